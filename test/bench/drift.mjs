#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
// Drift statistics at scale against scipy in the same run: two-sample KS (exact and asymptotic p-values) and
// Wasserstein-1 on 1e5 and 1e6-sized samples. Both sides get the same seeded samples (binary files) and time
// only the call itself (median of the repeats; scipy sorts inside ks_2samp, and so do we). Prints each result's
// difference from scipy and the time ratio ours / scipy.
// Run `npx tsc -b` first: this imports the compiled shared/lib/statistics.
import { seededRandom as mulberry32 } from '../support/random.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { ks2Samp, wassersteinDistance } = await import(
  pathToFileURL(join(root, 'shared', 'lib', 'statistics', 'index.js')).href
);
const python = join(root, '.cache', 'venv-reference', 'bin', 'python');

function normalSample(seed, size, mean) {
  const random = mulberry32(seed);
  const values = new Float64Array(size);
  for (let index = 0; index < size; index += 1) {
    values[index] = mean + Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  }
  return values;
}

// [label, operation, size1, size2, shift of the second sample, repeats]
const cases = [
  ['KS exact 1e5 x 1e5', 'ks-exact', 100_000, 100_000, 0.01, 3],
  ['KS exact 1e5 x 5e4', 'ks-exact', 100_000, 50_000, 0.01, 3],
  ['KS asymp 1e5 x 8e4', 'ks-asymp', 100_000, 80_000, 0.01, 3],
  ['KS asymp 1e5 x 8e4, shifted', 'ks-asymp', 100_000, 80_000, 0.02, 3],
  ['KS exact 1e6 x 1e6', 'ks-exact', 1_000_000, 1_000_000, 0.003, 1],
  ['KS asymp 1e6 x 9e5 (auto)', 'ks-auto', 1_000_000, 900_000, 0.003, 1],
  ['Wasserstein 1e5 x 1e5', 'wasserstein', 100_000, 100_000, 0.01, 3],
  ['Wasserstein 1e6 x 1e6', 'wasserstein', 1_000_000, 1_000_000, 0.003, 1],
];

const folder = await mkdtemp(join(tmpdir(), 'bench-drift-'));
try {
  const samples = [];
  for (const [index, [, , size1, size2, shift]] of cases.entries()) {
    const x = normalSample(2 * index + 1, size1, 0);
    const y = normalSample(2 * index + 2, size2, shift);
    await writeFile(join(folder, `${index}-x.bin`), x);
    await writeFile(join(folder, `${index}-y.bin`), y);
    samples.push([x, y]);
  }
  const script = `
import json, sys, time, warnings
import numpy as np
from scipy import stats
warnings.simplefilter("ignore")
folder, cases = sys.argv[1], json.loads(sys.argv[2])
out = []
for index, (operation, repeats) in enumerate(cases):
    x = np.fromfile(f"{folder}/{index}-x.bin"); y = np.fromfile(f"{folder}/{index}-y.bin")
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        if operation == "wasserstein":
            value = [float(stats.wasserstein_distance(x, y))]
        else:
            r = stats.ks_2samp(x, y, method=operation[3:])
            value = [float(r.statistic), float(r.pvalue)]
        times.append(time.perf_counter() - start)
    out.append({"value": value, "seconds": sorted(times)[len(times) // 2]})
print(json.dumps(out))
`;
  const reference = spawnSync(
    python,
    ['-c', script, folder, JSON.stringify(cases.map(([, operation, , , , repeats]) => [operation, repeats]))],
    { encoding: 'utf8', maxBuffer: 1 << 24 },
  );
  if (reference.status !== 0) throw new Error(`scipy side failed: ${reference.stderr}`);
  const scipy = JSON.parse(reference.stdout);

  console.log('case                              ours (ms)   scipy (ms)   ratio   value (ours | scipy, rel. diff)');
  for (const [index, [label, operation, , , , repeats]] of cases.entries()) {
    const [x, y] = samples[index];
    const times = [];
    let value;
    for (let repeat = 0; repeat < repeats; repeat += 1) {
      const started = performance.now();
      if (operation === 'wasserstein') value = [wassersteinDistance(x, y)];
      else {
        const result = ks2Samp(x, y, operation.slice(3));
        value = [result.statistic, result.pValue];
      }
      times.push(performance.now() - started);
    }
    const ours = times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
    const theirs = scipy[index].seconds * 1000;
    const expected = scipy[index].value.at(-1);
    const got = value.at(-1);
    const relative = expected === 0 ? Math.abs(got) : Math.abs(got - expected) / Math.abs(expected);
    console.log(
      `${label.padEnd(32)} ${ours.toFixed(1).padStart(10)} ${theirs.toFixed(1).padStart(12)} ${(ours / theirs).toFixed(2).padStart(7)}x   ` +
        `${got.toPrecision(12)} | ${expected.toPrecision(12)} (${relative.toExponential(1)})`,
    );
  }
} finally {
  await rm(folder, { recursive: true, force: true });
}
