export * from './dockerfile-builds.js';
export * from './gzip.js';
export * from './labels.js';
export * from './layers.js';
export * from './oci-layout.js';
export * from './render.js';
export * from './tags.js';
export * from './tar.js';
