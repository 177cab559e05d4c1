// Turns what the apiserver says about a missing namespace, API or object into one clear ConfigurationError.
import { ConfigurationError } from '../errors/index.js';
import { type KubernetesClient, KubernetesError } from './client.js';

/** A failure reading `what` as the user's mistake (404, 403, 401) or, otherwise, as it came. */
export function kubernetesFailure(error: unknown, context: { input: string; what: string; namespace: string }): Error {
  if (!(error instanceof KubernetesError)) return error as Error;
  const where = context.what.startsWith('namespace ')
    ? context.what
    : `${context.what} in namespace "${context.namespace}"`;
  if (error.status === 404) {
    return new ConfigurationError(`Input '${context.input}': ${where} does not exist. Nothing was changed.`, {
      input: context.input,
    });
  }
  if (error.status === 401) {
    return new ConfigurationError(`Input 'kubeconfig': the apiserver refused its credentials: ${error.message}`, {
      input: 'kubeconfig',
    });
  }
  if (error.status === 403) {
    return new ConfigurationError(
      `Input '${context.input}': ${where} cannot be read with these credentials (input 'kubeconfig'): ${error.message}`,
      { input: context.input },
    );
  }
  if (error.status === 0) {
    return new ConfigurationError(`Input 'kubeconfig': ${error.message}`, { input: 'kubeconfig' });
  }
  return error;
}

/** The namespace exists and the apiserver serves `group/version` with `kind` (its CRD is installed). */
export async function checkKubernetesTarget(
  client: KubernetesClient,
  api: { group: string; version: string; kind: string },
): Promise<void> {
  try {
    await client.json({
      method: 'GET',
      path: `/api/v1/namespaces/${encodeURIComponent(client.namespace)}`,
      headers: {},
    });
  } catch (error) {
    if (error instanceof KubernetesError && error.status === 404) {
      throw new ConfigurationError(
        `Input 'namespace': namespace "${client.namespace}" does not exist. Nothing was changed.`,
        {
          input: 'namespace',
        },
      );
    }
    throw kubernetesFailure(error, {
      input: 'namespace',
      what: `namespace "${client.namespace}"`,
      namespace: client.namespace,
    });
  }
  let resources: { resources?: { kind?: string }[] } = {};
  try {
    resources = await client.json({ method: 'GET', path: `/apis/${api.group}/${api.version}`, headers: {} });
  } catch (error) {
    if (!(error instanceof KubernetesError && error.status === 404)) throw error;
  }
  if (!(resources.resources ?? []).some((resource) => resource.kind === api.kind)) {
    throw new ConfigurationError(
      `Input 'provider': the cluster does not serve ${api.kind} (${api.group}/${api.version}): install its CRD first. Nothing was changed.`,
      { input: 'provider' },
    );
  }
}
