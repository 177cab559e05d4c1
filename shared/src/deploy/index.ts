// Gated A/B rollouts: the gate file, its sequential evaluation, traffic providers, the rollout loop and its report.
export * from './command-line.js';
export * from './evaluate.js';
export * from './gate.js';
export * from './observe.js';
export * from './providers/command.js';
export * from './providers/factory.js';
export * from './providers/gateway-api.js';
export * from './providers/kserve.js';
export * from './providers/nginx.js';
export * from './providers/provider.js';
export * from './render.js';
export * from './rollout.js';
export * from './steps.js';
