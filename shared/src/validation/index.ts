// validate-data's library: the suite file, its checks, the data profile, drift against a reference, suite inference
// and the report section.

export * from './column-types.js';
export * from './columns.js';
export * from './dataset.js';
export * from './distribution.js';
export * from './drift.js';
export * from './evaluate.js';
export * from './infer.js';
export * from './profile.js';
export * from './profile-drift.js';
export * from './render.js';
export * from './suite.js';
