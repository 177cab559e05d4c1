import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { artifactsWritable, isMlflowError, MlflowClient, versionTags } from '../../shared/src/index.js';
import { type MlflowHandle, startMlflow } from '../services/mlflow.js';
import { requireService } from '../services/require-service.js';
import { registerVersion } from './support.js';

describe.skipIf(!requireService('mlflow'))('MlflowClient against the real MLflow tracking server', () => {
  let mlflow: MlflowHandle;
  let client: MlflowClient;

  beforeAll(async () => {
    mlflow = await startMlflow();
    client = new MlflowClient({ trackingUri: mlflow.url });
  });
  afterAll(() => mlflow?.stop());

  test('finds a version by its git_sha tag; sets and deletes tags', async () => {
    const sha = 'a'.repeat(40);
    await registerVersion(mlflow, 'churn', { git_sha: 'b'.repeat(40) });
    const tagged = await registerVersion(mlflow, 'churn', { git_sha: sha });
    const found = await client.findVersionsByTag('churn', 'git_sha', sha);
    expect(found.map((version) => version.version)).toEqual([tagged]);
    expect(await client.findVersionsByTag('churn', 'git_sha', 'c'.repeat(40))).toEqual([]);

    await client.setModelVersionTag('churn', tagged, 'release', 'v1.4.0');
    const read = await mlflow.api<{ model_version: { tags: { key: string; value: string }[] } }>(
      'GET',
      'model-versions/get',
      { name: 'churn', version: tagged },
    );
    expect(versionTags(read.model_version)).toEqual({ git_sha: sha, release: 'v1.4.0' });
    await client.deleteModelVersionTag('churn', tagged, 'release');
    expect(versionTags((await client.getModelVersion('churn', tagged))!)).toEqual({ git_sha: sha });
    expect(await client.getModelVersion('churn', '999')).toBeUndefined();
  });

  test('aliases: unset reads as undefined (MLflow answers 400), set, move, delete', async () => {
    const one = await registerVersion(mlflow, 'alias-model', {});
    const two = await registerVersion(mlflow, 'alias-model', {});
    expect(await client.getAlias('alias-model', 'champion')).toBeUndefined();
    await client.setAlias('alias-model', 'champion', one);
    expect((await client.getAlias('alias-model', 'champion'))?.version).toBe(one);
    await client.setAlias('alias-model', 'champion', two);
    const model = await mlflow.api<{ registered_model: { aliases: unknown[] } }>('GET', 'registered-models/get', {
      name: 'alias-model',
    });
    expect(model.registered_model.aliases).toEqual([{ alias: 'champion', version: two }]);
    await client.deleteAlias('alias-model', 'champion');
    expect(await client.getAlias('alias-model', 'champion')).toBeUndefined();
  });

  test('copyModelVersion creates the target model, keeps run and tags, and reuses the copy on a rerun', async () => {
    const version = await registerVersion(mlflow, 'dev.churn', { git_sha: 'd'.repeat(40), owner: 'ml' });
    const source = (await client.getModelVersion('dev.churn', version))!;
    expect(await client.getRegisteredModel('prod.churn')).toBeUndefined();

    const first = await client.copyModelVersion(source, 'prod.churn');
    expect(first).toMatchObject({ createdModel: true, createdVersion: true });
    const copy = await mlflow.api<{ model_version: Record<string, unknown> }>('GET', 'model-versions/get', {
      name: 'prod.churn',
      version: first.version.version,
    });
    expect(copy.model_version).toMatchObject({
      source: `models:/dev.churn/${version}`,
      run_id: source.run_id,
      status: 'READY',
    });
    expect(versionTags(copy.model_version as { tags?: { key: string; value: string }[] })).toEqual(versionTags(source));

    const again = await client.copyModelVersion(source, 'prod.churn');
    expect(again).toMatchObject({ createdModel: false, createdVersion: false });
    expect(again.version.version).toBe(first.version.version);
    expect((await client.searchModelVersions("name = 'prod.churn'")).length).toBe(1);
  });

  test('refusals carry MLflow error codes; an unreachable server is UNREACHABLE after retries', async () => {
    const error = await client.setAlias('no-such-model', 'champion', '1').catch((caught) => caught);
    expect(isMlflowError(error), String(error)).toBe(true);
    expect(error.code).toBe('RESOURCE_DOES_NOT_EXIST');
    const down = new MlflowClient({ trackingUri: 'http://127.0.0.1:9', retry: { attempts: 2, baseDelayMs: 10 } });
    const unreachable = await down.getRegisteredModel('x').catch((caught) => caught);
    expect(isMlflowError(unreachable, 'UNREACHABLE'), String(unreachable)).toBe(true);
  });

  test('runs, version descriptions and run artifacts: what the model card reads and writes', async () => {
    const version = await registerVersion(mlflow, 'carded', { git_sha: 'f'.repeat(40) });
    const runId = (await client.getModelVersion('carded', version))!.run_id!;
    await mlflow.api('POST', 'runs/log-batch', {
      run_id: runId,
      params: [{ key: 'max_depth', value: '6' }],
      metrics: [{ key: 'f1', value: 0.875, timestamp: Date.now(), step: 0 }],
      tags: [{ key: 'team', value: 'churn' }],
    });
    const run = (await client.getRun(runId))!;
    expect(run.data.params).toEqual([{ key: 'max_depth', value: '6' }]);
    expect(run.data.metrics?.map((metric) => [metric.key, metric.value])).toEqual([['f1', 0.875]]);
    expect(run.data.tags?.find((tag) => tag.key === 'team')?.value).toBe('churn');
    expect(await client.getRun('0'.repeat(32))).toBeUndefined();

    await client.setModelVersionDescription('carded', version, '# Model card\n\n| f1 | 0.875 |');
    expect((await client.getModelVersion('carded', version))?.description).toBe('# Model card\n\n| f1 | 0.875 |');

    const card = Buffer.from('{"kind":"mlops-actions/model-card"}');
    await client.logRunArtifact(run, 'model-card/model-card.json', card, 'application/json');
    expect(await client.listRunArtifacts(runId, 'model-card')).toEqual([
      { path: 'model-card/model-card.json', is_dir: false, file_size: card.length },
    ]);
    const location = run.info.artifact_uri!.replace(/^mlflow-artifacts:\//, '');
    const served = await fetch(
      `${mlflow.url}/api/2.0/mlflow-artifacts/artifacts/${location}/model-card/model-card.json`,
    );
    expect(Buffer.from(await served.arrayBuffer())).toEqual(card);

    const unproxied = { ...run, info: { ...run.info, artifact_uri: 's3://bucket/run' } };
    expect([artifactsWritable(run), artifactsWritable(unproxied)]).toEqual([true, false]);
    await expect(client.logRunArtifact(unproxied, 'x.md', card, 'text/markdown')).rejects.toThrow(/does not proxy/);
  });

  test('search follows page tokens past one page', async () => {
    for (let i = 0; i < 3; i++) await registerVersion(mlflow, 'paged', { git_sha: 'e'.repeat(40) });
    const paged = new MlflowClient({ trackingUri: mlflow.url, pageSize: 2 });
    const versions = await paged.searchModelVersions("name = 'paged'");
    expect(versions.map((version) => version.version).sort()).toEqual(['1', '2', '3']);
    const duplicates = await paged.findVersionsByTag('paged', 'git_sha', 'e'.repeat(40));
    expect(duplicates.map((version) => version.version)).toEqual(['3', '2', '1']);
  });
});
