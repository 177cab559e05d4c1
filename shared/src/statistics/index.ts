// Exact statistics for data drift and the deploy gate, equal to scipy / numpy / Evidently (test/statistics).
// Floating-point helpers (numeric.ts) and log Γ stay internal: shared/src/metrics exports its own
// CompensatedSum and logGamma, and `export *` of both would clash.
export * from './categorical.js';
export * from './distance.js';
export * from './drift.js';
export * from './grid.js';
export * from './histogram.js';
export * from './kolmogorov.js';
export * from './ks.js';
export { finiteRun, finiteValues, type NumericSample, sortDoubles, sortedFiniteSample } from './numeric.js';
export * from './sequential.js';
export {
  binomialPmf,
  chiSquareSf,
  erfc,
  logNormalCdf,
  logNormalCdfPlusHalfSquare,
  logRegularizedGammaQ,
  normalCdf,
  normalSf,
  regularizedGammaP,
  regularizedGammaQ,
} from './special.js';
