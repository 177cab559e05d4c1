import type { Server } from 'node:http';

/** An HTTP server run inside the test process (token server, fault proxy): no PID of its own, only a port. */
export interface InProcessServer {
  readonly url: string;
  readonly port: number;
  readonly startupMs: number;
  stop(): Promise<void>;
}

/** Binds `server` to a kernel-chosen port on 127.0.0.1; stop() closes it and cuts any open connections. */
export async function listenOnLoopback(server: Server): Promise<InProcessServer> {
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address for the in-process server');
  let stopped: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${address.port}`,
    port: address.port,
    startupMs: performance.now() - started,
    stop: () => {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}
