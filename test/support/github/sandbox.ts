import Bottleneck from 'bottleneck';
import { createGitHubClient, type GitHubClient, MemoryLogger } from '../../../shared/src/index.js';
import { type AzuriteBlobs, startAzurite } from './azurite.js';
import { type GitHubEmulator, startGitHubEmulator } from './emulator.js';

/** Tokens every sandbox knows: the Actions bot with write access, a fork's read-only token, and a person. */
export const TOKENS = {
  actions: 'ghs_actionsWriteToken000000000000000000',
  fork: 'ghs_forkReadOnlyToken0000000000000000000',
  person: 'ghp_personalToken00000000000000000000000',
} as const;

export const REPOSITORY = 'acme/churn-model';

/**
 * The emulator has no secondary rate limits to protect, so tests space writes 10 ms apart instead of GitHub's 1 s
 * (3 s for notifying writes); the spacing logic itself is the plugin's and stays in place.
 */
export function fastPacing(): Record<string, unknown> {
  const group = (id: string) => new Bottleneck.Group({ id, maxConcurrent: 1, minTime: 10 });
  return { write: group('test-write'), notifications: group('test-notifications'), search: group('test-search') };
}

export interface GitHubSandbox {
  emulator: GitHubEmulator;
  blobs: AzuriteBlobs | undefined;
  client(token?: string): { client: GitHubClient; log: MemoryLogger };
  stop(): Promise<void>;
}

/** The GitHub emulator with the standard tokens and repository; with `artifacts`, a real Azurite behind it. */
export async function startGitHubSandbox(options: { artifacts?: boolean; port?: number } = {}): Promise<GitHubSandbox> {
  const blobs = options.artifacts ? await startAzurite() : undefined;
  const emulator = await startGitHubEmulator(blobs, options.port);
  emulator.addToken(TOKENS.actions, { login: 'github-actions[bot]', type: 'Bot', write: true });
  emulator.addToken(TOKENS.fork, { login: 'github-actions[bot]', type: 'Bot', write: false });
  emulator.addToken(TOKENS.person, { login: 'octocat', type: 'User', write: true });
  emulator.addRepository(REPOSITORY);
  return {
    emulator,
    blobs,
    client(token = TOKENS.actions) {
      const log = new MemoryLogger();
      return { client: createGitHubClient({ token, apiUrl: emulator.apiUrl, log, pacing: fastPacing() }), log };
    },
    async stop() {
      await emulator.stop();
      await blobs?.stop();
    },
  };
}

/** A completed, successful check run `name` on `sha` of `fullName`: what a passing job of main leaves. */
export async function passingCheckRun(sandbox: GitHubSandbox, fullName: string, sha: string, name: string) {
  const [owner, repo] = fullName.split('/') as [string, string];
  const { client } = sandbox.client();
  await client.rest.checks.create({ owner, repo, name, head_sha: sha, status: 'completed', conclusion: 'success' });
}
