import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReference } from '../support/python.js';
import { type ModelBackendHandle, startModelBackends } from './backends.js';
import { defaultModelPath, type LogisticModel, loadModel } from './model-backend.js';
import { type NginxHandle, startNginx, weightedSplit } from './nginx.js';
import { delay, stopAndListSurvivors } from './process.js';
import { type PrometheusHandle, startPrometheus } from './prometheus.js';
import { requireService } from './require-service.js';
import { stopAll } from './rig.js';
import { meanInstance, sendPredictions } from './traffic.js';

function expectAllClose(actual: readonly number[], expected: readonly number[], digits: number): void {
  expect(actual).toHaveLength(expected.length);
  for (const [i, value] of actual.entries()) expect(value).toBeCloseTo(expected[i]!, digits);
}

describe('model backend', () => {
  let stable: ModelBackendHandle;
  let candidate: ModelBackendHandle;

  beforeAll(async () => {
    ({ stable, candidate } = await startModelBackends());
    console.log(`model backends started in ${stable.startupMs.toFixed(0)} / ${candidate.startupMs.toFixed(0)} ms`);
  });

  afterAll(() => stopAll([stable, candidate]));

  it("serves the fitted model's predictions: sklearn's predict_proba on the same rows", async () => {
    // sklearn's own predict_proba on the committed coefficients: checks the server's arithmetic (the next test
    // checks the coefficients).
    const reference = await runReference<{ rows: number[][]; probabilities: number[] }>(
      `
import json, pathlib
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
model = json.loads(pathlib.Path(data["model"]).read_text())
scaler = StandardScaler()
scaler.mean_, scaler.scale_ = np.array(model["mean"]), np.array(model["scale"])
scaler.var_, scaler.n_features_in_ = scaler.scale_ ** 2, len(model["mean"])
classifier = LogisticRegression()
classifier.coef_, classifier.intercept_ = np.array([model["coef"]]), np.array([model["intercept"]])
classifier.classes_ = np.array([0, 1])
X = load_breast_cancer().data[::57]
result = {"rows": X.tolist(), "probabilities": classifier.predict_proba(scaler.transform(X))[:, 1].tolist()}
`,
      { model: defaultModelPath },
    );
    const served = await stable.predict(reference.rows);
    expect(served.status).toBe(200);
    expectAllClose(
      served.predictions!.map((p) => p.probability),
      reference.probabilities,
      12,
    );
    expect(new Set(served.predictions!.map((p) => p.label))).toEqual(new Set(['malignant', 'benign']));
  });

  it('the committed coefficients are what the fit script produces with this sklearn', async () => {
    const refit = await runReference<LogisticModel>('import runpy\nresult = runpy.run_path(data["script"])["fit"]()', {
      script: join(import.meta.dirname, '..', 'services', 'model', 'fit-breast-cancer.py'),
    });
    const committed = loadModel();
    expectAllClose(committed.coef, refit.coef, 6);
    expectAllClose(committed.mean, refit.mean, 9);
    expectAllClose(committed.scale, refit.scale, 9);
    expect(committed.intercept).toBeCloseTo(refit.intercept, 6);
  });

  it('answers the error share it was told to, and rejects malformed input with 400', async () => {
    await candidate.setBehaviour({ errorRate: 0.25 });
    const statuses = await sendPredictions(candidate.url, { maxRequests: 200, maxMs: 30_000 });
    expect(statuses.filter((s) => s === 500).length).toBe(50);
    await candidate.setBehaviour({ errorRate: 0 });
    const malformed = await fetch(`${candidate.url}/predict`, { method: 'POST', body: '{"instances":[[1,2]]}' });
    expect(malformed.status).toBe(400);
    const metrics = await (await fetch(`${candidate.url}/metrics`)).text();
    expect(metrics).toContain('model_requests_total{variant="candidate",code="500"} 50');
    expect(metrics).toContain('model_errors_total{variant="candidate"} 50');
    expect(metrics).toContain('model_request_duration_seconds_count{variant="candidate"} 201');
  });

  it('adds the latency it was told to', async () => {
    await stable.setBehaviour({ latencyMs: 300 });
    await sendPredictions(stable.url, { maxRequests: 2, maxMs: 10_000, concurrency: 1 });
    await stable.setBehaviour({ latencyMs: 0 });
    const metrics = await (await fetch(`${stable.url}/metrics`)).text();
    // Histogram buckets, not wall-clock assertions: both slow requests fall above 0.25 s.
    const below = Number(
      /model_request_duration_seconds_bucket\{variant="stable",le="0.25"\} (\d+)/.exec(metrics)?.[1],
    );
    const total = Number(/model_request_duration_seconds_count\{variant="stable"\} (\d+)/.exec(metrics)?.[1]);
    expect(total - below).toBe(2);
  });

  it('stop leaves no backend process behind', async () => {
    expect([...(await stopAndListSurvivors(stable)), ...(await stopAndListSurvivors(candidate))]).toEqual([]);
  });
});

describe.skipIf(!requireService('nginx', 'prometheus'))('nginx and Prometheus in front of the backends', () => {
  let stable: ModelBackendHandle;
  let candidate: ModelBackendHandle;
  let nginx: NginxHandle;
  let prometheus: PrometheusHandle;

  beforeAll(async () => {
    ({ stable, candidate } = await startModelBackends());
    [nginx, prometheus] = await Promise.all([
      startNginx(
        weightedSplit([
          { url: stable.url, weight: 1 },
          { url: candidate.url, weight: 1 },
        ]),
      ),
      startPrometheus([
        { job: 'stable', url: stable.url },
        { job: 'candidate', url: candidate.url },
      ]),
    ]);
    console.log(
      `nginx started in ${nginx.startupMs.toFixed(0)} ms, Prometheus in ${prometheus.startupMs.toFixed(0)} ms`,
    );
  });

  afterAll(() => stopAll([nginx, prometheus, stable, candidate]));

  it('Prometheus is ready only with every target up', async () => {
    const up = await prometheus.query('up');
    expect(up.map((s) => [s.metric.job, s.value]).sort()).toEqual([
      ['candidate', 1],
      ['stable', 1],
    ]);
  });

  it('a rate() query per backend returns the error rate the backend was told to produce', async () => {
    await Promise.all([stable.setBehaviour({ errorRate: 0 }), candidate.setBehaviour({ errorRate: 0.3 })]);
    const errorShare =
      'sum by (variant) (rate(model_requests_total{code="500"}[10s])) / sum by (variant) (rate(model_requests_total[10s]))';
    const requestsInWindow = 'sum by (variant) (increase(model_requests_total[10s]))';
    let enough = false;
    const traffic = sendPredictions(nginx.url, { maxRequests: 20_000, maxMs: 60_000, until: () => enough });
    // Wait for the window to hold enough requests per variant that one request is under 1% of the share.
    for (let polls = 0; polls < 200 && !enough; polls++) {
      await delay(500);
      const counts = await prometheus.query(requestsInWindow);
      enough = counts.length === 2 && counts.every((sample) => sample.value >= 200);
    }
    const shares = Object.fromEntries((await prometheus.query(errorShare)).map((s) => [s.metric.variant, s.value]));
    enough = true;
    const statuses = await traffic;
    expect(statuses.length).toBeGreaterThan(400);
    expect(shares.stable).toBe(0);
    expect(shares.candidate).toBeGreaterThan(0.28);
    expect(shares.candidate).toBeLessThan(0.32);
  });

  it('nginx splits traffic by weight, and a reload moves it all to stable', async () => {
    await candidate.setBehaviour({ errorRate: 0 });
    const body = JSON.stringify({ instances: [meanInstance()] });
    const variantsOf = async (count: number) => {
      const variants: string[] = [];
      for (let i = 0; i < count; i++) {
        const response = await fetch(`${nginx.url}/predict`, { method: 'POST', body });
        variants.push(((await response.json()) as { variant: string }).variant);
      }
      return variants;
    };
    const split = await variantsOf(20);
    expect(split.filter((v) => v === 'candidate').length).toBe(10);
    await nginx.reload(
      weightedSplit([
        { url: stable.url, weight: 1 },
        { url: candidate.url, weight: 0 },
      ]),
    );
    expect(new Set(await variantsOf(10))).toEqual(new Set(['stable']));
  });

  it('stop leaves no nginx or Prometheus process behind', async () => {
    const survivors = await Promise.all([nginx, prometheus].map(stopAndListSurvivors));
    expect(survivors.flat()).toEqual([]);
  });
});
