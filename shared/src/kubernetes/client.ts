// Sends ApiRequests over HTTPS with the connection's CA and credentials. No client library: the few calls we make
// are plain REST, and a failure is the apiserver's own Status message.
import { request as httpsRequest } from 'node:https';
import type { Connection } from './connection.js';
import type { ApiRequest } from './requests.js';

/** A request the apiserver refused (status ≥ 400) or could not be reached for (status 0). */
export class KubernetesError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly reason?: string,
  ) {
    super(message);
    this.name = 'KubernetesError';
  }
}

export interface KubernetesClient {
  readonly namespace: string;
  readonly server: string;
  /** The decoded JSON body; throws KubernetesError on ≥ 400. */
  json<T = Record<string, unknown>>(request: ApiRequest): Promise<T>;
  /** The body as text (pod logs). */
  text(request: ApiRequest): Promise<string>;
}

interface ApiStatus {
  kind?: string;
  message?: string;
  reason?: string;
}

export function createKubernetesClient(connection: Connection, options: { timeoutMs?: number } = {}): KubernetesClient {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const send = (apiRequest: ApiRequest) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const url = new URL(apiRequest.path, connection.server);
      const headers: Record<string, string> = { ...apiRequest.headers, 'user-agent': 'mlops-actions-deploy' };
      if (connection.token) headers.authorization = `Bearer ${connection.token}`;
      if (apiRequest.body !== undefined) headers['content-length'] = String(Buffer.byteLength(apiRequest.body));
      const outgoing = httpsRequest(
        url,
        {
          method: apiRequest.method,
          headers,
          ...(connection.ca ? { ca: connection.ca } : {}),
          ...(connection.clientCertificate ? { cert: connection.clientCertificate } : {}),
          ...(connection.clientKey ? { key: connection.clientKey } : {}),
          timeout: timeoutMs,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
          response.on('error', reject);
        },
      );
      outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer within ${timeoutMs / 1000}s`)));
      outgoing.on('error', (error) =>
        reject(new KubernetesError(`${connection.server} cannot be reached: ${error.message}`, 0)),
      );
      if (apiRequest.body !== undefined) outgoing.write(apiRequest.body);
      outgoing.end();
    });
  const checked = async (apiRequest: ApiRequest) => {
    const { status, body } = await send(apiRequest);
    if (status < 400) return body;
    let parsed: ApiStatus = {};
    try {
      parsed = JSON.parse(body) as ApiStatus;
    } catch {
      // Not a Status object: the first line of whatever came back.
    }
    const message = parsed.message ?? (body.split('\n')[0]?.slice(0, 300) || `HTTP ${status}`);
    throw new KubernetesError(
      `${apiRequest.method} ${apiRequest.path.split('?')[0]}: ${message}`,
      status,
      parsed.reason,
    );
  };
  return {
    namespace: connection.namespace,
    server: connection.server,
    async json<T>(apiRequest: ApiRequest) {
      return JSON.parse(await checked(apiRequest)) as T;
    },
    text: checked,
  };
}
