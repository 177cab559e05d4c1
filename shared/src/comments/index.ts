// The sticky pull-request comment (sticky.ts) and publishing a report as summary, comment and artifact.
export * from './publish.js';
export * from './sticky.js';
