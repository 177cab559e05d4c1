import { describeGitHubFailure, type GitHubClient } from '../github/client.js';
import type { RepositoryRef } from '../github/pull-request.js';

/**
 * One required check as found on the commit: a check run, a commit status, or nothing by that name; or the
 * release record attached to the promoted digest.
 */
export interface RequiredCheck {
  name: string;
  source: 'check-run' | 'status' | 'missing' | 'release-record';
  /** A check run's conclusion (or its status while not completed); a commit status's state. */
  state: string;
  passed: boolean;
  url?: string;
}

export interface RequiredChecksResult {
  passed: boolean;
  checks: RequiredCheck[];
}

/**
 * Whether every named check succeeded on `sha`: check runs (every page; a re-run's latest run per name) and
 * commit statuses (the combined status, every page, which keeps the latest per context). A name with a check run
 * and a status passes only when both succeeded; only `success` passes (neutral, skipped and pending do not).
 */
export async function evaluateRequiredChecks(
  client: GitHubClient,
  repository: RepositoryRef,
  sha: string,
  names: readonly string[],
): Promise<RequiredChecksResult> {
  if (names.length === 0) return { passed: true, checks: [] };
  const runs = new Map<string, { id: number; state: string; url: string | undefined }>();
  try {
    const all = await client.paginate(client.rest.checks.listForRef, {
      ...repository,
      ref: sha,
      filter: 'latest',
      per_page: 100,
    });
    for (const run of all) {
      const known = runs.get(run.name);
      if (known && known.id > run.id) continue;
      runs.set(run.name, {
        id: run.id,
        state: run.status === 'completed' ? (run.conclusion ?? 'unknown') : run.status,
        url: run.html_url ?? undefined,
      });
    }
  } catch (error) {
    throw describeGitHubFailure(error, `Listing the check runs of ${sha.slice(0, 7)}`);
  }
  const statuses = new Map<string, { state: string; url: string | undefined }>();
  try {
    for (let page = 1; ; page++) {
      const answer = await client.rest.repos.getCombinedStatusForRef({ ...repository, ref: sha, per_page: 100, page });
      for (const status of answer.data.statuses) {
        if (!statuses.has(status.context)) {
          statuses.set(status.context, { state: status.state, url: status.target_url ?? undefined });
        }
      }
      if (!/rel="next"/.test(answer.headers.link ?? '')) break;
    }
  } catch (error) {
    throw describeGitHubFailure(error, `Reading the commit statuses of ${sha.slice(0, 7)}`);
  }
  const checks: RequiredCheck[] = [];
  for (const name of names) {
    const run = runs.get(name);
    const status = statuses.get(name);
    if (!run && !status) {
      checks.push({ name, source: 'missing', state: 'missing', passed: false });
      continue;
    }
    // Report the one that failed when only one did.
    const found = [
      ...(run ? [{ source: 'check-run' as const, ...run }] : []),
      ...(status ? [{ source: 'status' as const, ...status }] : []),
    ];
    const failing = found.find((entry) => entry.state !== 'success');
    const shown = failing ?? (found[0] as (typeof found)[number]);
    checks.push({
      name,
      source: shown.source,
      state: shown.state,
      passed: failing === undefined,
      ...(shown.url ? { url: shown.url } : {}),
    });
  }
  return { passed: checks.every((check) => check.passed), checks };
}

/** "model-eval (failure), data-checks (missing)": the checks that block, as a reader wants them named. */
export function describeBlockingChecks(result: RequiredChecksResult): string {
  return result.checks
    .filter((check) => !check.passed)
    .map((check) => `${check.name} (${check.source === 'missing' ? 'missing' : check.state})`)
    .join(', ');
}
