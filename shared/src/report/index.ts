// The report every action writes (report.ts), its JSON schema, each stage's section, and the combined comment.
export * from './combine.js';
export * from './render.js';
export * from './report.js';
export * from './schema.js';
export * from './stages.js';
