export * from './checks.js';
export * from './client.js';
export * from './pull-request.js';
