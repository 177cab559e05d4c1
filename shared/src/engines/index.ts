export * from './connection.js';
export * from './dialect.js';
export * from './drift.js';
export * from './postgres.js';
export * from './profile.js';
export * from './source.js';
export * from './tables.js';
export * from './validate.js';
