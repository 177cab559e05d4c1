export * from './card.js';
export * from './config.js';
export * from './gather.js';
export * from './github.js';
export * from './publish.js';
export * from './render.js';
