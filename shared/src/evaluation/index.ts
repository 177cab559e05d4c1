export * from './baseline.js';
export * from './compute.js';
export * from './metric-files.js';
export * from './predictions.js';
export * from './render.js';
export * from './significance.js';
export * from './tests-file.js';
export * from './thresholds.js';
