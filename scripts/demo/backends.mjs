// The deploy demo's model backends, in the demo's own process: a stable and a candidate rain model server, a
// weighted splitter for the embedded path, and the traffic that drives the gate. Node `http` on 127.0.0.1, port 0.

import { createServer } from 'node:http';
import { rainProbability } from './rain-model.mjs';

/** Listens on a free loopback port; resolves with the server's base URL. */
export function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`));
  });
}

/** Closes a server and its kept-alive connections. */
export function close(server) {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

async function readJson(request) {
  const chunks = [];
  for await (const chunk of request) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString() || 'null');
}

function send(response, status, body) {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

const FEATURES = ['precipitation', 'temp_max', 'wind'];

/**
 * A rain model server: POST /predict {"instances": [{precipitation, temp_max, wind}]}, GET /metrics (Prometheus
 * text format, `rain_requests_total{variant,code}`), GET /healthz. `failure(day)` returns why the server cannot
 * answer a day (a serving bug), which it answers with 500.
 */
export async function startRainModel({ variant, weights, failure = () => undefined }) {
  const requests = new Map(['200', '400', '500'].map((code) => [code, 0]));
  const count = (code) => requests.set(String(code), (requests.get(String(code)) ?? 0) + 1);
  const predict = async (request, response) => {
    const instances = (await readJson(request).catch(() => null))?.instances;
    const valid =
      Array.isArray(instances) &&
      instances.length > 0 &&
      instances.every((day) => FEATURES.every((feature) => Number.isFinite(day?.[feature])));
    if (!valid) {
      count(400);
      return send(response, 400, { error: `instances must be a non-empty list of {${FEATURES.join(', ')}}` });
    }
    const broken = instances.map(failure).find(Boolean);
    if (broken) {
      count(500);
      return send(response, 500, { variant, error: broken });
    }
    count(200);
    send(response, 200, {
      variant,
      predictions: instances.map((day) => {
        const probability = rainProbability(weights, day);
        return { rain: probability >= 0.5, probability: Number(probability.toFixed(6)) };
      }),
    });
  };
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://model.invalid').pathname;
    if (path === '/predict' && request.method === 'POST') return void predict(request, response);
    if (path === '/metrics') {
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      const lines = [...requests].map(([code, n]) => `rain_requests_total{variant="${variant}",code="${code}"} ${n}`);
      return void response.end(
        `# HELP rain_requests_total Prediction requests by HTTP status code.\n# TYPE rain_requests_total counter\n${lines.join('\n')}\n`,
      );
    }
    if (path === '/healthz') return send(response, 200, { variant, status: 'ok' });
    send(response, 404, { error: `no route ${request.method} ${path}` });
  });
  const url = await listen(server);
  return { variant, url, host: new URL(url).host, stop: () => close(server) };
}

/**
 * The embedded path's traffic splitter: proxies /predict to the baseline or the candidate by smooth weighted round
 * robin (as nginx does, so the shares are exact), and takes the candidate's weight through POST /weight.
 */
export async function startSplitter(baselineUrl, candidateUrl) {
  let weight = 0;
  let sent = 0;
  const target = () => {
    // Request n goes to the candidate when floor(n·w/100) steps up: exactly w of every 100 requests.
    sent += 1;
    return Math.floor((sent * weight) / 100) > Math.floor(((sent - 1) * weight) / 100) ? candidateUrl : baselineUrl;
  };
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://splitter.invalid').pathname;
    if (path === '/weight' && request.method === 'POST') {
      readJson(request)
        .then((body) => {
          if (!Number.isInteger(body?.weight) || body.weight < 0 || body.weight > 100) {
            return send(response, 400, { error: `weight must be a whole number 0..100, got ${JSON.stringify(body)}` });
          }
          weight = body.weight;
          sent = 0;
          send(response, 200, { candidate: weight, baseline: 100 - weight });
        })
        .catch((error) => send(response, 400, { error: error.message }));
      return;
    }
    if (path !== '/predict') return send(response, 404, { error: `no route ${request.method} ${path}` });
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', async () => {
      try {
        const answer = await fetch(`${target()}/predict`, { method: 'POST', body: Buffer.concat(chunks) });
        response.writeHead(answer.status, { 'content-type': 'application/json' });
        response.end(Buffer.from(await answer.arrayBuffer()));
      } catch (error) {
        send(response, 502, { error: `backend unreachable: ${error.message}` });
      }
    });
  });
  const url = await listen(server);
  return { url, weight: () => weight, stop: () => close(server) };
}

/** A seeded generator (mulberry32), so every run sends the same days in the same order. */
function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/**
 * Sends days drawn from `days` (seeded) to `url`/predict from `concurrency` loops until stop() is called; stop()
 * resolves with the statuses seen (0 for a failed connection). A failed request never ends the traffic.
 */
export function sendTraffic(url, days, { concurrency = 4, seed = 2014 } = {}) {
  const random = seededRandom(seed);
  const statuses = new Map();
  let running = true;
  const loop = async () => {
    while (running) {
      const day = days[Math.floor(random() * days.length)];
      let status = 0;
      try {
        const response = await fetch(`${url}/predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ instances: [day] }),
          signal: AbortSignal.timeout(5_000),
        });
        await response.arrayBuffer();
        status = response.status;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  };
  const loops = Array.from({ length: concurrency }, loop);
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return Object.fromEntries(statuses);
    },
  };
}
