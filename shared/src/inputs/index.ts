export * from './parsers.js';
export * from './reader.js';
