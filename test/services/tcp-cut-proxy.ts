import { connect, createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';

export interface TcpCutProxy {
  readonly port: number;
  /** Bytes relayed from the upstream to clients, over all connections. */
  bytesDownstream(): number;
  /** Connections cut so far. */
  cuts(): number;
  /** Cuts the connection that carries the `bytes`-th upstream byte from now, once it has forwarded that many. */
  cutAfter(bytes: number): void;
  stop(): Promise<void>;
}

export interface TcpCutProxyOptions {
  /** Terminate TLS (ALPN h2) with this certificate and relay the plaintext: a TLS front for a plaintext h2c peer. */
  tls?: { key: string; cert: string };
}

/**
 * A TCP relay on 127.0.0.1 that can cut a connection mid-answer, both ways, as a dropped load balancer or a
 * broken network path does to a long gRPC result stream. Protocol-blind: HTTP/2 passes through untouched.
 */
export async function startTcpCutProxy(upstreamPort: number, options: TcpCutProxyOptions = {}): Promise<TcpCutProxy> {
  let downstream = 0;
  let cuts = 0;
  /** Downstream bytes still to relay before the armed cut; undefined when none is armed. */
  let budget: number | undefined;
  const open = new Set<Socket>();
  const relay = (client: Socket) => {
    const upstream = connect({ host: '127.0.0.1', port: upstreamPort });
    open.add(client);
    open.add(upstream);
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    upstream.on('data', (chunk: Buffer) => {
      if (budget !== undefined && chunk.length >= budget) {
        const part = chunk.subarray(0, budget);
        budget = undefined;
        downstream += part.length;
        cuts += 1;
        client.write(part, cut);
        return;
      }
      if (budget !== undefined) budget -= chunk.length;
      downstream += chunk.length;
      client.write(chunk);
    });
    for (const socket of [client, upstream]) {
      socket.on('error', cut);
      socket.on('close', () => {
        open.delete(socket);
        cut();
      });
    }
  };
  const server: Server =
    options.tls === undefined ? createServer(relay) : createTlsServer({ ...options.tls, ALPNProtocols: ['h2'] }, relay);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address for the proxy');
  return {
    port: address.port,
    bytesDownstream: () => downstream,
    cuts: () => cuts,
    cutAfter: (bytes) => {
      budget = bytes;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
