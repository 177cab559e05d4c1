import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { OciLayoutStore, pushImage } from '../../shared/src/index.js';
import { benign, HOSTILE_TEXT } from '../fixtures/hostile-text.js';
import { makeTestImage } from '../oci/support.js';
import { exampleEvent } from '../support/events.js';
import { type GitHubSandbox, startGitHubSandbox, TOKENS } from '../support/github/sandbox.js';
import { expectSameStructure, markdownStructure } from '../support/markdown-tree.js';
import { actionDir, runAction } from '../support/run-action.js';

/**
 * The hostile corpus through model-card as the runner runs it: in model-card.yml (every section), the title of
 * the pull request that merged the commit, its review and the comment of the release's environment approval
 * (environment names are GitHub's own, limited to plain characters). Each summary is
 * parsed with the GFM parser and compared with the run on benign text: the same structure means the hostile text
 * added no element, link, mention or reference of its own.
 */
const REPO = 'Codertocat/Hello-World';
// model-card.yml sections must be non-empty text; YAML cannot carry NUL.
const CORPUS = HOSTILE_TEXT.filter((text) => text.trim() !== '' && !text.includes('\u0000'));
const GROUP = 8;
let sandbox: GitHubSandbox;
let workspace: string;
let nextCommit = 1;

beforeAll(async () => {
  // Reports travel as artifacts of the run (as on a runner): real blob storage behind the emulator.
  sandbox = await startGitHubSandbox({ artifacts: true });
  sandbox.emulator.addRepository(REPO, 'main');
  workspace = await mkdtemp(join(tmpdir(), 'model-card-inert-'));
  const image = await makeTestImage({ randomBytes: 1024, files: 1 });
  try {
    await pushImage(new OciLayoutStore(workspace), 'image', { ...image, tags: ['card'] });
  } finally {
    await rm(image.dir, { recursive: true, force: true });
  }
});
afterEach(() => sandbox.emulator.assertContractClean());
afterAll(() => sandbox.stop());

/** The job summary of a release whose card carries `texts` in every free-text place. */
async function summaryWith(texts: readonly string[]): Promise<string> {
  const commit = (nextCommit++).toString(16).padStart(40, 'c');
  const at = (index: number) => texts[index % texts.length] as string;
  const config = {
    description: at(0),
    'intended-use': at(1),
    'out-of-scope-uses': texts,
    limitations: texts,
    'ethical-considerations': at(2),
    owners: [at(3)],
    license: at(4),
  };
  // JSON is YAML: every string double-quoted and escaped.
  await writeFile(join(workspace, 'model-card.yml'), JSON.stringify(config));
  // One number for every run: the pull request's link is the same in the hostile and the benign summary.
  const number = 41;
  sandbox.emulator.repository(REPO).reviews.delete(number);
  sandbox.emulator.addPullRequest(REPO, {
    number,
    headSha: commit.replace(/c/g, 'd'),
    mergeCommitSha: commit,
    title: at(5),
  });
  sandbox.emulator.addReview(REPO, number, { login: 'alice', state: 'APPROVED', body: at(6) });
  const releaseRun = sandbox.emulator.addWorkflowRun(REPO, {
    workflow: 'ml-release.yml',
    branch: 'v1',
    event: 'release',
    headSha: commit,
  });
  sandbox.emulator.addRunApproval(REPO, releaseRun.id, {
    login: 'release-manager',
    environments: ['release'],
    comment: at(7),
  });
  const event = exampleEvent('release', 'published');
  event.payload.release.target_commitish = commit;
  const run = await runAction(actionDir('model-card'), {
    event,
    workspace,
    githubToken: TOKENS.actions,
    env: sandbox.emulator.runnerEnvironment(REPO, releaseRun.id),
    inputs: { image: 'oci:image', source: 'oci:image:card' },
  });
  expect(run.exitCode, run.stdout + run.stderr).toBe(0);
  // Each release has its own run: the link differs by its number only.
  return run.summary.replace(/\/actions\/runs\/\d+/g, '/actions/runs/N');
}

describe('model-card: hostile text renders as text in the job summary', () => {
  for (let start = 0; start < CORPUS.length; start += GROUP) {
    test(`corpus strings ${start}–${Math.min(start + GROUP, CORPUS.length) - 1}`, async () => {
      const indexes = CORPUS.slice(start, start + GROUP).map((_, offset) => start + offset);
      const hostile = await summaryWith(indexes.map((index) => CORPUS[index] as string));
      const harmless = await summaryWith(indexes.map((index) => benign(CORPUS[index] as string, index)));
      // The texts reached the card: the benign run shows them, the hostile one differs only in them.
      expect(harmless).toContain(`benign text ${start}`);
      expect(harmless).toContain(`Merged by pull request [\\#\u206041 benign text ${indexes[5 % indexes.length]}]`);
      expect(hostile).not.toBe(harmless);
      expectSameStructure(hostile, harmless, `model-card summary, strings ${start}+`);
      expect(markdownStructure(hostile).elements.filter((element) => element.startsWith('link '))).toEqual(
        markdownStructure(harmless).elements.filter((element) => element.startsWith('link ')),
      );
    }, 60_000);
  }
});
