// Sharded evaluation: each shard job saves the partial statistics of its rows as an artifact (`shard`), and one
// merge job combines them into the metrics of the whole set (`merge`).
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type ActionHost,
  buildReport,
  ConfigurationError,
  downloadRunArtifactsByPrefix,
  isPartialFile,
  type MetricsPartial,
  type ModelEvaluation,
  mergePartials,
  type PartialFile,
  partialArtifactPrefix,
  reportRun,
  uploadRunArtifact,
} from '@mlops-actions/core';
import type { Inputs } from './inputs.js';
import { githubClient } from './sources.js';

export async function saveShard(
  host: ActionHost,
  inputs: Inputs,
  name: string,
  evaluation: ModelEvaluation | undefined,
  classes: string[] | undefined,
): Promise<void> {
  if (!evaluation?.partial) {
    throw new ConfigurationError(
      "Input 'shard' needs 'predictions': a shard saves the partial statistics of its rows.",
      {
        input: 'shard',
      },
    );
  }
  const shard = inputs.shard!;
  const artifact = `${partialArtifactPrefix(name)}${shard.replace(/[^\w.-]+/g, '-')}`;
  const folder = await mkdtemp(join(host.github.runnerTemp, 'mlops-partial-'));
  const file = join(folder, 'partial.json');
  const content: PartialFile = {
    mlopsPartial: 1,
    name,
    shard,
    ...(classes ? { classes } : {}),
    partial: evaluation.partial,
  };
  await writeFile(file, JSON.stringify(content));
  if (!host.env.ACTIONS_RUNTIME_TOKEN || !host.env.ACTIONS_RESULTS_URL) {
    throw new ConfigurationError(
      "Input 'shard' uploads the shard's partial as an artifact, which needs the Actions runtime (run it in a workflow).",
      { input: 'shard' },
    );
  }
  const uploaded = await uploadRunArtifact(artifact, [file], folder, 1);
  const report = buildReport({
    action: 'test-model',
    headline: `${name}: shard ${shard} (${evaluation.count} examples) saved for merging`,
    checks: [],
    run: reportRun(host.github),
    fields: { model: name, shard, examples: evaluation.count, metrics: evaluation.metrics, artifact },
  });
  await host.publish({
    report,
    markdown: `### Model tests: ${name}, shard ${shard}\n\n${evaluation.count} examples; partial statistics saved as artifact \`${artifact}\` (id ${uploaded.id}) for the merge job.`,
  });
  host.setOutput('passed', true);
  host.setOutput('metrics', evaluation.metrics);
  host.setOutput('baseline-metrics', {});
  host.setOutput('failed-tests', []);
}

export async function mergeShardArtifacts(
  host: ActionHost,
  inputs: Inputs,
  name: string,
): Promise<{ partial: MetricsPartial; classes?: string[]; shards: number }> {
  const { github } = host;
  if (inputs.predictions.length > 0) {
    throw new ConfigurationError(
      "Input 'merge' combines the shards' partial artifacts of this run; do not also give 'predictions'.",
      { input: 'merge' },
    );
  }
  if (!inputs.comment.token || !github.owner || !github.repo || !github.runId) {
    throw new ConfigurationError("Input 'merge' needs 'github-token' (actions: read) inside a workflow run.", {
      input: 'merge',
    });
  }
  const destination = await mkdtemp(join(github.runnerTemp, 'mlops-partials-'));
  const prefix = partialArtifactPrefix(name);
  const downloaded = await downloadRunArtifactsByPrefix(
    githubClient(host, inputs),
    { owner: github.owner, repo: github.repo },
    Number(github.runId),
    prefix,
    destination,
  );
  if (downloaded.length === 0) {
    throw new ConfigurationError(
      `Input 'merge': this run has no '${prefix}*' artifacts; run the shards first with 'shard' set (and the same 'name').`,
      { input: 'merge' },
    );
  }
  const files: PartialFile[] = [];
  for (const artifact of downloaded) {
    const value: unknown = JSON.parse(await readFile(join(artifact.path, 'partial.json'), 'utf8'));
    if (!isPartialFile(value)) throw new Error(`Artifact '${artifact.name}' holds no test-model partial.`);
    files.push(value);
  }
  const classes = files[0]!.classes;
  for (const file of files) {
    if (JSON.stringify(file.classes) !== JSON.stringify(classes)) {
      throw new ConfigurationError(
        `Input 'merge': shard ${file.shard} has classes ${file.classes?.join(', ')} and shard ${files[0]!.shard} ${classes?.join(', ')}; shards must see the same class list.`,
        { input: 'merge' },
      );
    }
  }
  return {
    partial: mergePartials(files.map((file) => file.partial)),
    ...(classes ? { classes } : {}),
    shards: files.length,
  };
}
