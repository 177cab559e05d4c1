// The GitHub Actions runner's side: the host over @actions/core, failures as annotations, the report publisher
// and runAction. Only the actions and the CLI import this folder; the library never does.
export * from './actions-host.js';
export * from './artifacts.js';
export * from './comment.js';
export * from './failure.js';
export * from './host.js';
export * from './publish.js';
export * from './run-action.js';
