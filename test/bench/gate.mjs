#!/usr/bin/env node
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
// The deploy gate's sequential test in simulation (no servers): A/B rollouts checked every 100 requests per arm
// up to 10,000 per arm, seeded, bounded. Reports for the mSPRT (one-sided "harm" mixture, the gate; two-sided for
// reference), a Flagger-style fixed threshold tuned to the mSPRT's false-alarm rate, and a naive repeated z-test:
//   - false-rollback rate over 2,000 A/A runs (error rate 1% in both arms; goal <= 5%)
//   - power at 10,000 per arm when the candidate's error rate doubles, 1% -> 2% (goal >= 90%)
//   - median requests per arm until rollback.
// Run `npx tsc -b` first: this imports the compiled shared/lib/statistics.
import { seededRandom as mulberry32 } from '../support/random.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const statistics = await import(pathToFileURL(join(root, 'shared', 'lib', 'statistics', 'index.js')).href);
const { bernoulliMsprtInput, msprtLogLikelihoodRatio, msprtTau2, twoProportionZTest } = statistics;

const RUNS = 2000;
const STEP = 100;
const MAX_PER_ARM = 10_000;
const LOOKS = MAX_PER_ARM / STEP;
const ALPHA = 0.05;
const BASELINE_RATE = 0.01;
const HARMFUL_RATE = 0.02;
// τ² tuned at n* = 5,000 per arm for the planning variance of two arms at the baseline rate; the same variance
// floors the plug-in estimate while only a handful of errors have been seen.
const PLANNING_VARIANCE = 2 * BASELINE_RATE * (1 - BASELINE_RATE);
const TARGET_N = 5000;
const TAU2 = msprtTau2(PLANNING_VARIANCE, TARGET_N, ALPHA);

/** Cumulative error counts at each look for every run: Int32Array(RUNS * LOOKS) per arm. */
function simulate(seed, rateA, rateB) {
  const random = mulberry32(seed);
  const a = new Int32Array(RUNS * LOOKS);
  const b = new Int32Array(RUNS * LOOKS);
  for (let run = 0; run < RUNS; run += 1) {
    let errorsA = 0;
    let errorsB = 0;
    for (let look = 0; look < LOOKS; look += 1) {
      for (let request = 0; request < STEP; request += 1) {
        if (random() < rateA) errorsA += 1;
        if (random() < rateB) errorsB += 1;
      }
      a[run * LOOKS + look] = errorsA;
      b[run * LOOKS + look] = errorsB;
    }
  }
  return { a, b };
}

const boundary = -Math.log(ALPHA);
const methods = {
  'mSPRT one-sided (gate)': (n, eA, eB) =>
    msprtLogLikelihoodRatio(
      bernoulliMsprtInput({ n, eventsA: eA, eventsB: eB, tau2: TAU2, varianceFloor: PLANNING_VARIANCE }),
      'greater',
    ) >= boundary,
  'mSPRT two-sided': (n, eA, eB) =>
    msprtLogLikelihoodRatio(
      bernoulliMsprtInput({ n, eventsA: eA, eventsB: eB, tau2: TAU2, varianceFloor: PLANNING_VARIANCE }),
      'two-sided',
    ) >= boundary,
  'naive z-test (p <= 0.05 at any look)': (n, eA, eB) => twoProportionZTest(eA, n, eB, n).pValue <= ALPHA,
};

/** Per run, the requests per arm at the first look where `rejects` holds, or Infinity. */
function stoppingTimes(data, rejects) {
  const times = new Float64Array(RUNS).fill(Number.POSITIVE_INFINITY);
  for (let run = 0; run < RUNS; run += 1) {
    for (let look = 0; look < LOOKS; look += 1) {
      const n = (look + 1) * STEP;
      if (rejects(n, data.a[run * LOOKS + look], data.b[run * LOOKS + look])) {
        times[run] = n;
        break;
      }
    }
  }
  return times;
}

/** Per run, the largest (pB - pA) over the looks from `minimumN` on: the Flagger-style rule fires when it exceeds k. */
function maxDifferences(data, minimumN) {
  const maxima = new Float64Array(RUNS);
  for (let run = 0; run < RUNS; run += 1) {
    let largest = Number.NEGATIVE_INFINITY;
    for (let look = 0; look < LOOKS; look += 1) {
      const n = (look + 1) * STEP;
      if (n < minimumN) continue;
      largest = Math.max(largest, (data.b[run * LOOKS + look] - data.a[run * LOOKS + look]) / n);
    }
    maxima[run] = largest;
  }
  return maxima;
}

function median(values) {
  const sorted = [...values].sort((x, y) => x - y);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function summarise(times) {
  const stopped = [...times].filter(Number.isFinite);
  return { rate: stopped.length / RUNS, median: median(stopped) };
}

const started = performance.now();
const tuning = simulate(1, BASELINE_RATE, BASELINE_RATE);
const aa = simulate(2, BASELINE_RATE, BASELINE_RATE);
const harmful = simulate(3, BASELINE_RATE, HARMFUL_RATE);
const simulated = performance.now();

const rows = [];
const results = {};
for (const [name, rejects] of Object.entries(methods)) {
  const falseAlarm = summarise(stoppingTimes(aa, rejects));
  const power = summarise(stoppingTimes(harmful, rejects));
  results[name] = { falseAlarm, power };
  rows.push([name, falseAlarm.rate, power.rate, power.median]);
}

// Flagger-style: roll back when the candidate's error rate exceeds the baseline's by more than k at a check (from
// the first check, or once each arm has 1,000 requests). k is tuned on separate A/A runs: the smallest threshold
// (midway between distinct run maxima) whose false-alarm rate there is at most the gate's measured rate.
const target = results['mSPRT one-sided (gate)'].falseAlarm.rate;
function tuneThreshold(minimumN) {
  const maxima = [...maxDifferences(tuning, minimumN)].sort((x, y) => y - x);
  let threshold = maxima[0];
  for (let alarms = 1; alarms <= target * RUNS && alarms < RUNS; alarms += 1) {
    if (maxima[alarms - 1] > maxima[alarms]) threshold = (maxima[alarms - 1] + maxima[alarms]) / 2;
  }
  return threshold;
}
for (const minimumN of [STEP, 1000]) {
  const k = tuneThreshold(minimumN);
  const flagger = (n, eA, eB) => n >= minimumN && (eB - eA) / n > k;
  const flaggerFalse = summarise(stoppingTimes(aa, flagger));
  const flaggerPower = summarise(stoppingTimes(harmful, flagger));
  const label = `Flagger-style rate > baseline + ${k.toFixed(4)}${minimumN > STEP ? `, from ${minimumN}` : ''}`;
  rows.push([label, flaggerFalse.rate, flaggerPower.rate, flaggerPower.median]);
}
const finished = performance.now();

console.log(
  `gate simulation: ${RUNS} runs per scenario, a check every ${STEP} requests per arm up to ${MAX_PER_ARM}, ` +
    `alpha ${ALPHA}, tau^2 ${TAU2.toExponential(4)} (r* V / n*, n* = ${TARGET_N}), error rate ${BASELINE_RATE} -> ${HARMFUL_RATE}`,
);
const width = Math.max(...rows.map((row) => row[0].length));
console.log(`${'method'.padEnd(width)}  false-rollback (A/A)  power @10k  median requests to rollback`);
for (const [name, falseRate, power, medianN] of rows) {
  console.log(
    `${name.padEnd(width)}  ${(falseRate * 100).toFixed(2).padStart(19)}%  ${(power * 100).toFixed(1).padStart(9)}%  ${String(medianN).padStart(27)}`,
  );
}
const gate = results['mSPRT one-sided (gate)'];
console.log(
  `goals: false-rollback <= 5%: ${gate.falseAlarm.rate <= 0.05 ? 'met' : 'MISSED'} (${(gate.falseAlarm.rate * 100).toFixed(2)}%); ` +
    `power >= 90%: ${gate.power.rate >= 0.9 ? 'met' : 'MISSED'} (${(gate.power.rate * 100).toFixed(1)}%)`,
);
console.log(
  `time: simulation ${((simulated - started) / 1000).toFixed(1)} s, tests ${((finished - simulated) / 1000).toFixed(1)} s`,
);
