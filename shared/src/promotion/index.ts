export * from './audit.js';
export * from './gate.js';
export * from './image.js';
export * from './model.js';
export * from './promote.js';
export * from './records.js';
export * from './transaction.js';
