export * from './parsers.js';
export * from './reader.js';
export * from './workspace.js';
