export * from './connection.js';
export * from './dialect.js';
export * from './postgres.js';
export * from './source.js';
