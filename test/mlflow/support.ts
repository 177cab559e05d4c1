import type { MlflowHandle } from '../services/mlflow.js';

let experiment: Promise<string> | undefined;

/** Registers a new version of `name` (creating the model), from a real run, with `tags`; returns its number. */
export async function registerVersion(
  mlflow: MlflowHandle,
  name: string,
  tags: Record<string, string>,
): Promise<string> {
  experiment ??= mlflow
    .api<{ experiment_id: string }>('POST', 'experiments/create', { name: `promote-${mlflow.port}` })
    .then((created) => created.experiment_id);
  const experimentId = await experiment;
  const { run } = await mlflow.api<{ run: { info: { run_id: string; artifact_uri: string } } }>('POST', 'runs/create', {
    experiment_id: experimentId,
    start_time: Date.now(),
  });
  await mlflow.api('POST', 'registered-models/create', { name }).catch((error: Error) => {
    if (!/RESOURCE_ALREADY_EXISTS/.test(error.message)) throw error;
  });
  const { model_version } = await mlflow.api<{ model_version: { version: string } }>('POST', 'model-versions/create', {
    name,
    source: `${run.info.artifact_uri}/model`,
    run_id: run.info.run_id,
    tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
  });
  return model_version.version;
}
