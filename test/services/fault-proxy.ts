import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { seededRandom } from '../support/random.js';
import { type InProcessServer, listenOnLoopback } from './in-process-server.js';

/** An HTTP status answered instead of forwarding, or a connection cut halfway through the upstream's answer. */
export type Fault = 500 | 503 | 429 | 'reset';

export interface FaultProxyOptions {
  /** Base URL of the service behind the proxy, e.g. a registry's `http://127.0.0.1:PORT`. */
  target: string;
  /** Share of eligible requests that fail, 0..1; can be changed later with setFailureRate. */
  failureRate: number;
  /** Which faults to draw from, uniformly; default all four. */
  faults?: readonly Fault[];
  /** Same seed and same request order → same faults. */
  seed?: number;
  /** Sent with 429 and 503. */
  retryAfterSeconds?: number;
  /** Which requests may fail (default all), e.g. only blob uploads. */
  eligible?: (method: string, path: string) => boolean;
}

export interface ProxiedRequest {
  method: string;
  path: string;
  /** The status the client got, or 'reset' when the proxy cut the connection. */
  status: number | 'reset';
  fault?: Fault;
  requestBytes: number;
  /** Body bytes that reached the client. */
  responseBytes: number;
}

export interface FaultProxy extends InProcessServer {
  /** Every request in the order it finished. */
  readonly log: ProxiedRequest[];
  setFailureRate(rate: number): void;
  /** Requests whose method matches and whose path matches the pattern, e.g. ('PUT', /\/blobs\/uploads\//). */
  count(method: string, path: RegExp): number;
}

const allFaults: readonly Fault[] = [500, 503, 429, 'reset'];

/**
 * A loopback HTTP proxy that fails a chosen share of requests. The Host header passes through unchanged, so a
 * registry builds its upload `Location` URLs back through the proxy. A 'reset' forwards the request (the
 * upstream acts on it), relays the status and half the body, then destroys the socket; for an empty body it
 * destroys the socket before any byte, the response lost after the work was done.
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  const random = seededRandom(options.seed ?? 1);
  const faults = options.faults ?? allFaults;
  if (faults.length === 0) throw new Error('faults must name at least one fault');
  let failureRate = options.failureRate;
  const log: ProxiedRequest[] = [];

  const chooseFault = (method: string, path: string): Fault | undefined => {
    if (options.eligible !== undefined && !options.eligible(method, path)) return undefined;
    // Two draws per eligible request whatever the outcome, so one request's result never shifts the next's.
    const fails = random() < failureRate;
    const which = faults[Math.floor(random() * faults.length)]!;
    return fails ? which : undefined;
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const method = request.method ?? 'GET';
    const path = request.url ?? '/';
    const entry: ProxiedRequest = { method, path, status: 0, requestBytes: 0, responseBytes: 0 };
    const fault = chooseFault(method, path);
    if (fault !== undefined) entry.fault = fault;
    request.on('data', (chunk: Buffer) => {
      entry.requestBytes += chunk.length;
    });
    let logged = false;
    const finish = (status: number | 'reset') => {
      if (logged) return;
      logged = true;
      entry.status = status;
      log.push(entry);
    };

    if (typeof fault === 'number') {
      request.resume();
      request.once('end', () => {
        const body = `rig fault proxy: injected ${fault}\n`;
        const headers: Record<string, string> = { 'content-type': 'text/plain', connection: 'close' };
        if (fault !== 500) headers['retry-after'] = String(options.retryAfterSeconds ?? 1);
        response.writeHead(fault, headers);
        response.end(body, () => {
          entry.responseBytes = Buffer.byteLength(body);
          finish(fault);
        });
      });
      return;
    }

    const upstream = httpRequest(
      {
        hostname: target.hostname,
        port: target.port,
        method,
        path,
        headers: request.headers,
      },
      (answer) => {
        const status = answer.statusCode ?? 502;
        const length = Number(answer.headers['content-length'] ?? Number.NaN);
        if (fault === 'reset') {
          const cutAfter = Number.isFinite(length) ? Math.floor(length / 2) : 1;
          if (cutAfter === 0 || method === 'HEAD') {
            answer.resume();
            response.socket?.destroy();
            finish('reset');
            return;
          }
          response.writeHead(status, answer.headers);
          answer.on('data', (chunk: Buffer) => {
            const room = cutAfter - entry.responseBytes;
            if (room <= 0) return;
            const part = chunk.subarray(0, room);
            entry.responseBytes += part.length;
            response.write(part, () => {
              if (entry.responseBytes >= cutAfter) {
                response.socket?.destroy();
                answer.destroy();
                finish('reset');
              }
            });
          });
          return;
        }
        response.writeHead(status, answer.headers);
        answer.on('data', (chunk: Buffer) => {
          entry.responseBytes += chunk.length;
        });
        answer.pipe(response);
        response.once('finish', () => finish(status));
        response.once('close', () => finish(response.writableFinished ? status : 'reset'));
      },
    );
    upstream.once('error', (error) => {
      if (response.headersSent) {
        response.socket?.destroy();
        finish('reset');
        return;
      }
      response.writeHead(502, { 'content-type': 'text/plain' });
      response.end(`rig fault proxy: upstream ${target.host} failed: ${error.message}\n`);
      finish(502);
    });
    request.pipe(upstream);
  });

  const listening = await listenOnLoopback(server);
  return {
    ...listening,
    log,
    setFailureRate: (rate) => {
      failureRate = rate;
    },
    count: (method, pathPattern) => log.filter((e) => e.method === method && pathPattern.test(e.path)).length,
  };
}
