import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MlflowHandle, startMlflow } from './mlflow.js';
import { stopAndListSurvivors } from './process.js';
import { requireService } from './require-service.js';

interface ModelVersion {
  name: string;
  version: string;
  source: string;
  run_id?: string;
  aliases?: string[];
}

describe.skipIf(!requireService('mlflow'))('MLflow tracking server', () => {
  let mlflow: MlflowHandle;

  beforeAll(async () => {
    mlflow = await startMlflow();
    console.log(`MLflow started in ${mlflow.startupMs.toFixed(0)} ms`);
  });

  afterAll(() => mlflow?.stop());

  it('registers a model and a version, sets an alias, and reads the version back by alias', async () => {
    const { experiment_id } = await mlflow.api<{ experiment_id: string }>('POST', 'experiments/create', {
      name: 'rig-breast-cancer',
    });
    const { run } = await mlflow.api<{ run: { info: { run_id: string; artifact_uri: string } } }>(
      'POST',
      'runs/create',
      { experiment_id, start_time: Date.now() },
    );
    await mlflow.api('POST', 'registered-models/create', { name: 'breast-cancer', description: 'rig test' });
    const created = await mlflow.api<{ model_version: ModelVersion }>('POST', 'model-versions/create', {
      name: 'breast-cancer',
      source: `${run.info.artifact_uri}/model`,
      run_id: run.info.run_id,
    });
    expect(created.model_version.version).toBe('1');
    const second = await mlflow.api<{ model_version: ModelVersion }>('POST', 'model-versions/create', {
      name: 'breast-cancer',
      source: `${run.info.artifact_uri}/model-v2`,
      run_id: run.info.run_id,
    });
    expect(second.model_version.version).toBe('2');

    await mlflow.api('POST', 'registered-models/alias', { name: 'breast-cancer', alias: 'champion', version: '2' });
    const byAlias = await mlflow.api<{ model_version: ModelVersion }>('GET', 'registered-models/alias', {
      name: 'breast-cancer',
      alias: 'champion',
    });
    expect(byAlias.model_version).toMatchObject({
      name: 'breast-cancer',
      version: '2',
      source: `${run.info.artifact_uri}/model-v2`,
      run_id: run.info.run_id,
      aliases: ['champion'],
    });

    // Moving the alias is what a promotion does; the old version loses it.
    await mlflow.api('POST', 'registered-models/alias', { name: 'breast-cancer', alias: 'champion', version: '1' });
    const moved = await mlflow.api<{ model_version: ModelVersion }>('GET', 'registered-models/alias', {
      name: 'breast-cancer',
      alias: 'champion',
    });
    expect(moved.model_version.version).toBe('1');
    const model = await mlflow.api<{ registered_model: { aliases: { alias: string; version: string }[] } }>(
      'GET',
      'registered-models/get',
      { name: 'breast-cancer' },
    );
    expect(model.registered_model.aliases).toEqual([{ alias: 'champion', version: '1' }]);
  });

  // MLflow answers 400 INVALID_PARAMETER_VALUE here, not 404: what the promote action must expect.
  it('an unknown alias is refused with 400 INVALID_PARAMETER_VALUE', async () => {
    await expect(
      mlflow.api('GET', 'registered-models/alias', { name: 'breast-cancer', alias: 'no-such-alias' }),
    ).rejects.toThrow(/answered 400.*INVALID_PARAMETER_VALUE.*alias no-such-alias not found/s);
  });

  it('stop leaves no MLflow process behind', async () => {
    expect(await stopAndListSurvivors(mlflow)).toEqual([]);
  });
});
