import { ConfigurationError } from '../errors/index.js';
import type { InputReader } from '../inputs/reader.js';

/**
 * The registered model's server and version as the actions that talk to MLflow take them: `mlflow-tracking-uri`
 * (default MLFLOW_TRACKING_URI, an http(s) URL) and `mlflow-version` (a version number, optional).
 */
export function readMlflowVersionInputs(
  reader: InputReader,
  env: NodeJS.ProcessEnv,
): { trackingUri: string; version: string | undefined } {
  const trackingUri = reader.optional('mlflow-tracking-uri') ?? env.MLFLOW_TRACKING_URI;
  if (trackingUri === undefined || !/^https?:\/\/[^\s/]+/.test(trackingUri)) {
    throw new ConfigurationError(
      `Input 'mlflow-tracking-uri' must be the tracking server's http(s) URL (or set MLFLOW_TRACKING_URI), e.g. http://mlflow:5000${trackingUri === undefined ? '' : `, got "${trackingUri}"`}.`,
      { input: 'mlflow-tracking-uri' },
    );
  }
  const version = reader.optional('mlflow-version');
  if (version !== undefined && !/^[1-9]\d*$/.test(version)) {
    throw new ConfigurationError(`Input 'mlflow-version' must be a version number such as 3, got "${version}".`, {
      input: 'mlflow-version',
    });
  }
  return { trackingUri, version };
}
