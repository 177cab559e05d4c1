import { createServer, request as httpRequest, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createGitHubClient, MemoryLogger } from '../../shared/src/index.js';
import { type GitHubSandbox, REPOSITORY, startGitHubSandbox, TOKENS } from '../support/github/sandbox.js';

/**
 * A self-hosted runner behind a proxy sets HTTP(S)_PROXY and NO_PROXY; the GitHub client honours them as
 * @actions/github did. A forward proxy on loopback relays what it is asked to (CONNECT tunnels, absolute URIs)
 * and records it.
 */
let sandbox: GitHubSandbox;
let proxy: Server;
let proxyUrl: string;
const relayed: string[] = [];

beforeAll(async () => {
  sandbox = await startGitHubSandbox();
  sandbox.emulator.addPullRequest(REPOSITORY, { number: 7, headSha: '7'.repeat(40) });
  proxy = createServer((incoming, answer) => {
    relayed.push(`${incoming.method} ${incoming.url}`);
    const target = new URL(incoming.url as string);
    const onward = httpRequest(target, { method: incoming.method, headers: incoming.headers }, (response) => {
      answer.writeHead(response.statusCode ?? 502, response.headers);
      response.pipe(answer);
    });
    incoming.pipe(onward);
  });
  // undici's proxy agent tunnels every request, http too, through CONNECT.
  proxy.on('connect', (incoming, client, head) => {
    relayed.push(`${incoming.method} ${incoming.url}`);
    const [host, port] = (incoming.url as string).split(':') as [string, string];
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => proxy.close(resolve));
  await sandbox.stop();
});

const [owner, repo] = REPOSITORY.split('/') as [string, string];
const pullThrough = (env: NodeJS.ProcessEnv) =>
  createGitHubClient({
    token: TOKENS.actions,
    apiUrl: sandbox.emulator.apiUrl,
    log: new MemoryLogger(),
    env,
  }).rest.pulls.get({ owner, repo, pull_number: 7 });

describe('the GitHub client behind a proxy', () => {
  test('HTTP_PROXY: the request goes through the proxy and the answer comes back', async () => {
    relayed.length = 0;
    const { data } = await pullThrough({ HTTP_PROXY: proxyUrl });
    expect(data.head.sha).toBe('7'.repeat(40));
    expect(relayed).toEqual([`CONNECT ${new URL(sandbox.emulator.apiUrl).host}`]);
  });

  test('NO_PROXY naming the host: straight to GitHub; no proxy variable: straight too', async () => {
    relayed.length = 0;
    const host = new URL(sandbox.emulator.apiUrl).hostname;
    expect((await pullThrough({ HTTP_PROXY: proxyUrl, NO_PROXY: host })).data.number).toBe(7);
    expect((await pullThrough({})).data.number).toBe(7);
    expect(relayed).toEqual([]);
  });
});
