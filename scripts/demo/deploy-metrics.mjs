// The embedded path's metrics source. The deploy action reads its gate only through the Prometheus HTTP API
// (shared/src/deploy/observe.ts, input prometheus-url), so without Prometheus the demo serves that API itself, for
// the one query shape its gate uses: it scrapes the backends' real /metrics every 250 ms and answers
// `sum(increase(counter{matchers}[Ns]))` from those scrapes (no extrapolation), plus `vector(1)`, the action's
// reachability check. Any other query is refused as Prometheus refuses a bad one, so nothing is made up.
import { createServer } from 'node:http';
import { close, listen } from './backends.mjs';

const SCRAPE_MS = 250;
const SUM_INCREASE = /^sum\(increase\(([A-Za-z_:][\w:]*)\{([^}]*)\}\[(\d+)s\]\)\)$/;
const MATCHER = /^\s*([A-Za-z_]\w*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*$/;
const SAMPLE_LINE = /^([A-Za-z_:][\w:]*)\{([^}]*)\}\s+(\S+)$/;

function parseLabels(text) {
  return Object.fromEntries([...text.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((match) => [match[1], match[2]]));
}

/** Prometheus matchers: regexes are anchored at both ends. */
function parseMatchers(text) {
  const parts = text.split(',').filter((part) => part.trim() !== '');
  return parts.map((part) => {
    const match = MATCHER.exec(part);
    if (!match) throw new SyntaxError(`cannot parse label matcher '${part.trim()}'`);
    const [, label, operator, value] = match;
    const pattern = new RegExp(`^(?:${value})$`);
    const test = {
      '=': (actual) => actual === value,
      '!=': (actual) => actual !== value,
      '=~': (actual) => pattern.test(actual),
      '!~': (actual) => !pattern.test(actual),
    }[operator];
    return (labels) => test(labels[label] ?? '');
  });
}

/** Starts scraping `targets` ({ job, url }) and serves /api/v1/query on a free loopback port. */
export async function startCounterQueries(targets) {
  /** Every scrape: { at (ms), series: [{ name, labels, value }] }. */
  const scrapes = [];
  const scrape = async () => {
    const series = [];
    await Promise.all(
      targets.map(async (target) => {
        const text = await (await fetch(`${target.url}/metrics`, { signal: AbortSignal.timeout(1_000) })).text();
        for (const line of text.split('\n')) {
          const match = SAMPLE_LINE.exec(line);
          if (match)
            series.push({
              name: match[1],
              labels: { ...parseLabels(match[2]), job: target.job },
              value: Number(match[3]),
            });
        }
      }),
    );
    scrapes.push({ at: performance.now(), series });
  };
  await scrape();
  const timer = setInterval(() => scrape().catch(() => {}), SCRAPE_MS);

  const key = (sample) => JSON.stringify([sample.name, sample.labels]);
  const sumIncrease = (name, matchers, windowSeconds) => {
    const selected = (scrape) =>
      new Map(
        scrape.series
          .filter((sample) => sample.name === name && matchers.every((matches) => matches(sample.labels)))
          .map((sample) => [key(sample), sample.value]),
      );
    const latest = selected(scrapes.at(-1));
    if (latest.size === 0) return undefined;
    const since = performance.now() - windowSeconds * 1000;
    // The last scrape at or before the window's start; a series first seen later counts from its first scrape.
    const before = selected(scrapes.findLast((scrape) => scrape.at <= since) ?? scrapes[0]);
    let total = 0;
    for (const [series, value] of latest) total += value - (before.get(series) ?? 0);
    return total;
  };

  const answer = (query) => {
    if (query === 'vector(1)')
      return { resultType: 'vector', result: [{ metric: {}, value: [Date.now() / 1000, '1'] }] };
    const match = SUM_INCREASE.exec(query.replace(/\s+/g, ''));
    if (!match) {
      throw new SyntaxError(
        'the demo counter endpoint answers only sum(increase(counter{labels}[Ns])) and vector(1); run Prometheus for other queries',
      );
    }
    const total = sumIncrease(match[1], parseMatchers(match[2]), Number(match[3]));
    const result = total === undefined ? [] : [{ metric: {}, value: [Date.now() / 1000, String(total)] }];
    return { resultType: 'vector', result };
  };

  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://counters.invalid');
      const reply = (status, body) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      };
      if (url.pathname !== '/api/v1/query') return reply(404, { status: 'error', error: 'only /api/v1/query' });
      const query = new URLSearchParams(Buffer.concat(chunks).toString()).get('query') ?? url.searchParams.get('query');
      try {
        reply(200, { status: 'success', data: answer(query ?? '') });
      } catch (error) {
        reply(400, { status: 'error', errorType: 'bad_data', error: error.message });
      }
    });
  });
  const url = await listen(server);
  return {
    url,
    async stop() {
      clearInterval(timer);
      await close(server);
    },
  };
}
