export * from './attach.js';
export * from './dsse.js';
export * from './sign.js';
export * from './statement.js';
export * from './verify.js';
