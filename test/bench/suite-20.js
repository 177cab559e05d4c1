// Not a benchmark itself (run.mjs runs the .mjs files only).
// The 20-check suite the validate-data and engines benchmarks run (3 table-level checks, 17 on columns), over the
// 7 generated columns id, age, plan, score, income, signup, email. Drift is on by default when a reference is given.
export const SUITE_20_CHECKS = `version: 1
table:
  row-count: {min: 1000, max: 100000000}
  columns: {required: [id, age, plan, score, income, signup, email]}
  unique: [[id]]
columns:
  id: {type: integer, nullable: false}
  age: {type: integer, nullable: false, min: 0, max: 120, mean: {min: 30, max: 70}}
  plan: {type: string, in: [free, pro, enterprise]}
  score: {type: float, min: 0, max: 1, max-null-fraction: 0.01, quantiles: {0.5: {min: 0.4, max: 0.6}}, stddev: {max: 0.4}}
  income: {type: float, min: 0}
  email: {type: string, pattern: '^[^@]+@[^@]+$'}
  signup: {type: date, nullable: false}
`;
