export * from './client.js';
export * from './inputs.js';
