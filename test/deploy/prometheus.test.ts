import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, test } from 'vitest';
import { createPrometheusClient, PrometheusError } from '../../shared/src/index.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A fake Prometheus API on 127.0.0.1 that answers from a script, one entry per request. */
async function scripted(answers: { status: number; body: unknown }[]) {
  const queries: string[] = [];
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      queries.push(new URLSearchParams(body).get('query') ?? '');
      const answer = answers.shift() ?? { status: 500, body: 'script exhausted' };
      response.writeHead(answer.status, { 'content-type': 'application/json' });
      response.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}`, queries };
}

const vector = (value: string) => ({
  status: 'success',
  data: { resultType: 'vector', result: [{ metric: { job: 'm' }, value: [1, value] }] },
});
const noSleep = async () => {};

describe('Prometheus client', () => {
  test('retries 5xx answers and returns the vector', async () => {
    const api = await scripted([
      { status: 503, body: 'overloaded' },
      { status: 500, body: { status: 'error', errorType: 'internal', error: 'boom' } },
      { status: 200, body: vector('41.5') },
    ]);
    const client = createPrometheusClient({ url: api.url, retries: 3, sleep: noSleep });
    expect(await client.query('sum(x)')).toEqual([{ metric: { job: 'm' }, value: 41.5 }]);
    expect(api.queries).toEqual(['sum(x)', 'sum(x)', 'sum(x)']);
  });

  test('a refused query is the user’s mistake: no retry, kind bad-query', async () => {
    const api = await scripted([
      { status: 400, body: { status: 'error', errorType: 'bad_data', error: 'parse error at char 5' } },
    ]);
    const client = createPrometheusClient({ url: api.url, retries: 3, sleep: noSleep });
    const error = await client.query('sum(').catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(PrometheusError);
    expect((error as PrometheusError).kind).toBe('bad-query');
    expect((error as PrometheusError).message).toBe('bad_data: parse error at char 5');
    expect(api.queries).toHaveLength(1);
  });

  test('gives up after the retries with the last failure; NaN and Inf values parse', async () => {
    const api = await scripted([
      { status: 502, body: 'bad gateway' },
      { status: 502, body: 'bad gateway' },
      { status: 200, body: vector('NaN') },
      { status: 200, body: vector('+Inf') },
    ]);
    const client = createPrometheusClient({ url: api.url, retries: 1, sleep: noSleep });
    await expect(client.query('a')).rejects.toThrow(/answered 502: bad gateway/);
    expect((await client.query('b'))[0]?.value).toBeNaN();
    expect((await client.query('c'))[0]?.value).toBe(Number.POSITIVE_INFINITY);
  });

  test('an address nobody listens on is unreachable', async () => {
    const api = await scripted([]);
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    const client = createPrometheusClient({ url: api.url, retries: 1, sleep: noSleep });
    const error = await client.checkReachable().catch((thrown: unknown) => thrown);
    expect((error as PrometheusError).kind).toBe('unreachable');
  });
});
