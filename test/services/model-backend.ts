// A model server as a deploy target: serves the breast-cancer logistic regression in model/ over HTTP, exposes
// Prometheus metrics, and fails or slows down on request through /admin so canary tests can make a candidate
// worse on purpose. It runs as its own process (`node test/services/model-backend.ts --port N --variant NAME`),
// so it imports nothing but node: modules (Node strips the types; it cannot resolve the repo's `.js` imports).
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

export interface LogisticModel {
  feature_names: string[];
  classes: string[];
  mean: number[];
  scale: number[];
  coef: number[];
  intercept: number;
}

export interface Behaviour {
  /** Share of /predict requests answered 500, spread evenly (exactly floor(n * rate) errors in the first n). */
  errorRate: number;
  /** Added before every /predict answer. */
  latencyMs: number;
}

export interface Prediction {
  probability: number;
  label: string;
}

export const defaultModelPath = join(import.meta.dirname, 'model', 'breast-cancer-logreg.json');

export function loadModel(path = defaultModelPath): LogisticModel {
  return JSON.parse(readFileSync(path, 'utf8')) as LogisticModel;
}

/** The probability of class 1, as sklearn's predict_proba(x)[:, 1] for StandardScaler + LogisticRegression. */
export function predict(model: LogisticModel, features: readonly number[]): Prediction {
  let logit = model.intercept;
  for (let i = 0; i < model.coef.length; i++) {
    logit += (model.coef[i]! * (features[i]! - model.mean[i]!)) / model.scale[i]!;
  }
  const probability = 1 / (1 + Math.exp(-logit));
  return { probability, label: model.classes[probability >= 0.5 ? 1 : 0]! };
}

const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

class Metrics {
  readonly requests = new Map<string, number>();
  errors = 0;
  readonly bucketCounts = latencyBuckets.map(() => 0);
  durationSum = 0;
  durationCount = 0;
  readonly variant: string;

  // No parameter property: Node's type stripping, which runs this file, rejects them.
  constructor(variant: string) {
    this.variant = variant;
    // Known codes start at 0 so rate() has a series for them before the first error.
    for (const code of ['200', '400', '500']) this.requests.set(code, 0);
  }

  observe(code: number, seconds: number): void {
    this.requests.set(String(code), (this.requests.get(String(code)) ?? 0) + 1);
    if (code >= 500) this.errors += 1;
    latencyBuckets.forEach((bound, i) => {
      if (seconds <= bound) this.bucketCounts[i]! += 1;
    });
    this.durationSum += seconds;
    this.durationCount += 1;
  }

  render(): string {
    const v = `variant="${this.variant}"`;
    const lines = [
      '# HELP model_requests_total Prediction requests by variant and HTTP status code.',
      '# TYPE model_requests_total counter',
      ...[...this.requests].map(([code, n]) => `model_requests_total{${v},code="${code}"} ${n}`),
      '# HELP model_errors_total Prediction requests answered with a server error.',
      '# TYPE model_errors_total counter',
      `model_errors_total{${v}} ${this.errors}`,
      '# HELP model_request_duration_seconds Time to answer a prediction request.',
      '# TYPE model_request_duration_seconds histogram',
      ...latencyBuckets.map(
        (bound, i) => `model_request_duration_seconds_bucket{${v},le="${bound}"} ${this.bucketCounts[i]}`,
      ),
      `model_request_duration_seconds_bucket{${v},le="+Inf"} ${this.durationCount}`,
      `model_request_duration_seconds_sum{${v}} ${this.durationSum}`,
      `model_request_duration_seconds_count{${v}} ${this.durationCount}`,
    ];
    return `${lines.join('\n')}\n`;
  }
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString() || 'null');
}

function isInstanceList(value: unknown, width: number): value is number[][] {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((row) => Array.isArray(row) && row.length === width && row.every((x) => Number.isFinite(x)))
  );
}

export function createModelServer(variant: string, model: LogisticModel, initial: Behaviour): Server {
  const metrics = new Metrics(variant);
  let behaviour = { ...initial };
  let predictCalls = 0;

  const send = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  };

  const handlePredict = async (request: IncomingMessage, response: ServerResponse) => {
    const started = performance.now();
    const answer = (status: number, body: unknown) => {
      metrics.observe(status, (performance.now() - started) / 1000);
      send(response, status, body);
    };
    let body: unknown;
    try {
      body = await readJson(request);
    } catch {
      return answer(400, { error: 'the body must be JSON: {"instances": [[30 numbers], ...]}' });
    }
    const instances = (body as { instances?: unknown } | null)?.instances;
    if (!isInstanceList(instances, model.coef.length)) {
      return answer(400, { error: `instances must be a non-empty list of rows of ${model.coef.length} numbers` });
    }
    if (behaviour.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, behaviour.latencyMs));
    predictCalls += 1;
    const failsNow =
      Math.floor(predictCalls * behaviour.errorRate) > Math.floor((predictCalls - 1) * behaviour.errorRate);
    if (failsNow) return answer(500, { error: 'injected error', variant });
    answer(200, { variant, predictions: instances.map((row) => predict(model, row)) });
  };

  const handleAdmin = async (request: IncomingMessage, response: ServerResponse) => {
    if (request.method === 'POST') {
      const update = (await readJson(request)) as Partial<Behaviour> | null;
      const errorRate = update?.errorRate ?? behaviour.errorRate;
      const latencyMs = update?.latencyMs ?? behaviour.latencyMs;
      if (!(errorRate >= 0 && errorRate <= 1) || !(latencyMs >= 0)) {
        return send(response, 400, { error: 'errorRate must be within 0..1 and latencyMs at least 0' });
      }
      behaviour = { errorRate, latencyMs };
      predictCalls = 0;
    }
    send(response, 200, behaviour);
  };

  return createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://backend.invalid').pathname;
    if (path === '/predict' && request.method === 'POST') {
      handlePredict(request, response).catch((error: Error) => send(response, 500, { error: error.message }));
    } else if (path === '/admin') {
      handleAdmin(request, response).catch((error: Error) => send(response, 400, { error: error.message }));
    } else if (path === '/metrics') {
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      response.end(metrics.render());
    } else if (path === '/healthz') {
      send(response, 200, { variant, status: 'ok' });
    } else {
      send(response, 404, { error: `no route ${request.method} ${path}` });
    }
  });
}

if (process.argv[1] === import.meta.filename) {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      variant: { type: 'string', default: 'stable' },
      model: { type: 'string', default: defaultModelPath },
      'error-rate': { type: 'string', default: '0' },
      'latency-ms': { type: 'string', default: '0' },
    },
  });
  const server = createModelServer(values.variant, loadModel(values.model), {
    errorRate: Number(values['error-rate']),
    latencyMs: Number(values['latency-ms']),
  });
  server.listen(Number(values.port), '127.0.0.1', () => {
    console.log(`model backend ${values.variant} listening on 127.0.0.1:${values.port}`);
  });
  process.once('SIGTERM', () => {
    server.close();
    server.closeAllConnections();
  });
}
