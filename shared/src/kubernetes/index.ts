// A small Kubernetes client for the deploy providers: kubeconfig/in-cluster connection, pure request builders,
// server-side apply, field ownership, Deployment readiness and the candidate's pod diagnostics.
export * from './client.js';
export * from './connection.js';
export * from './ownership.js';
export * from './preflight.js';
export * from './render.js';
export * from './requests.js';
export * from './workload.js';
