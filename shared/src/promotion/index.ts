export * from './audit.js';
export * from './image.js';
export * from './model.js';
export * from './promote.js';
export * from './records.js';
export * from './required-checks.js';
export * from './transaction.js';
