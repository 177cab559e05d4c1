import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Blob bytes between two registries go through node:http streams rather than fetch: piping a GET's body into an
 * upload through web streams cost a third more wall time on a loaded machine (a promise per chunk, twice).
 */

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

function send(
  url: URL,
  options: { method: string; headers: Record<string, string>; signal: AbortSignal },
  body?: { from: AsyncIterable<Uint8Array>; through: Transform },
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? https : http).request(url, options, resolve);
    request.on('error', reject);
    if (body) pipeline(body.from, body.through, request).catch(reject);
    else request.end();
  });
}

/**
 * A GET whose body is handed back unread, following redirects (a registry sends blob reads to its storage); the
 * credentials go to the registry's host only. `signal` bounds the whole transfer, body included.
 */
export async function openStream(
  url: URL,
  headers: Record<string, string>,
  signal: AbortSignal,
  redirects = 5,
): Promise<IncomingMessage> {
  let current = url;
  let sent = headers;
  for (let hop = 0; ; hop += 1) {
    const answer = await send(current, { method: 'GET', headers: sent, signal });
    const location = answer.headers.location;
    if (!REDIRECTS.has(answer.statusCode ?? 0) || location === undefined || hop >= redirects) return answer;
    answer.resume();
    const next = new URL(location, current);
    if (next.host !== current.host) {
      const { authorization: _dropped, ...rest } = sent;
      sent = rest;
    }
    current = next;
  }
}

/** A request whose body is `from` passed through `through`; resolves with the answer once it comes. */
export function sendStream(
  url: URL,
  method: string,
  headers: Record<string, string>,
  from: AsyncIterable<Uint8Array>,
  through: Transform,
  signal: AbortSignal,
): Promise<IncomingMessage> {
  return send(url, { method, headers, signal }, { from, through });
}

/** An answer's body in full (error details are short). */
export async function readAll(answer: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of answer) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Node's header record as fetch's Headers, so answers of either kind are read the same way. */
export function toHeaders(headers: IncomingHttpHeaders): Headers {
  const result = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) result.append(name, one);
  }
  return result;
}
