export * from './checks.js';
export * from './client.js';
export * from './deployments.js';
export * from './pull-request.js';
