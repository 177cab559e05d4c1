// KServe: an InferenceService (serving.kserve.io/v1beta1) whose predictor gets the candidate's storageUri, so KServe
// makes it the latest revision, and `canaryTrafficPercent` as the step's weight. The candidate first gets 0% until
// the InferenceService is Ready for that spec; promotion removes the canary percent (the latest revision takes
// all traffic); rollback sets it to 0 and puts the baseline's storageUri back. Only these two fields are ours,
// written by server-side apply as field manager mlops-deploy; the rest of the spec stays its author's.
import { ConfigurationError } from '../../errors/index.js';
import type { KubernetesClient } from '../../kubernetes/client.js';
import { conflictingOwners, describeOwners, type ManagedFieldsEntry } from '../../kubernetes/ownership.js';
import { checkKubernetesTarget, kubernetesFailure } from '../../kubernetes/preflight.js';
import { applyRequest, getRequest, RESOURCES } from '../../kubernetes/requests.js';
import { type CandidateDiagnostics, collectPodDiagnostics, waitUntilReady } from '../../kubernetes/workload.js';
import type { Logger } from '../../log/index.js';
import type { SecretMask } from '../../secrets/index.js';
import { ProviderError, type TrafficProvider } from './provider.js';

export interface KServeSplit {
  /** The InferenceService's name. */
  service: string;
  /** storageUri of the model it serves now, and of the candidate. */
  baseline: string;
  candidate: string;
}

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

export interface InferenceServiceObject {
  metadata: { generation?: number; managedFields?: ManagedFieldsEntry[] };
  spec?: { predictor?: { canaryTrafficPercent?: number; model?: { storageUri?: string } } };
  status?: {
    observedGeneration?: number;
    conditions?: Condition[];
    components?: { predictor?: { latestCreatedRevision?: string; latestReadyRevision?: string } };
  };
}

/** The two fields we own. */
export const KSERVE_FIELDS = [
  ['spec', 'predictor', 'canaryTrafficPercent'],
  ['spec', 'predictor', 'model', 'storageUri'],
] as const;

/**
 * The predictor fields for `weight`: 0 is the baseline's model with no canary traffic, 100 the candidate's with the
 * canary percent removed, anything between the candidate's with that percent. Pure.
 */
export function predictorFor(split: KServeSplit, weight: number): Record<string, unknown> {
  if (!Number.isInteger(weight) || weight < 0 || weight > 100)
    throw new RangeError(`weight must be 0..100, got ${weight}`);
  if (weight === 0) return { model: { storageUri: split.baseline }, canaryTrafficPercent: 0 };
  if (weight === 100) return { model: { storageUri: split.candidate } };
  return { model: { storageUri: split.candidate }, canaryTrafficPercent: weight };
}

/**
 * Whether KServe has made `generation` of the spec Ready: it observed it, the Ready condition is True and the
 * predictor's latest created revision is its latest ready one. Pure.
 */
export function inferenceServiceReadiness(
  service: InferenceServiceObject,
  generation: number,
): { ready: boolean; why: string } {
  const status = service.status ?? {};
  if ((status.observedGeneration ?? 0) < generation)
    return { ready: false, why: 'KServe has not seen the candidate spec yet' };
  const ready = status.conditions?.find((condition) => condition.type === 'Ready');
  if (ready?.status !== 'True') {
    const detail = [ready?.reason, ready?.message].filter(Boolean).join(': ');
    return { ready: false, why: `Ready is ${ready?.status ?? 'missing'}${detail ? ` (${detail})` : ''}` };
  }
  const predictor = status.components?.predictor;
  if (predictor?.latestCreatedRevision && predictor.latestCreatedRevision !== predictor.latestReadyRevision) {
    return { ready: false, why: `revision ${predictor.latestCreatedRevision} is not ready yet` };
  }
  return { ready: true, why: 'Ready' };
}

export interface KServeProviderOptions {
  client: KubernetesClient;
  split: KServeSplit;
  readyTimeoutMs: number;
  logger: Logger;
  secrets?: SecretMask;
  pollMs?: number;
}

export function createKServeProvider(options: KServeProviderOptions): TrafficProvider & {
  diagnose(): Promise<CandidateDiagnostics>;
} {
  const { client, split } = options;
  const namespace = client.namespace;
  const input = 'inference-service';
  let candidateReady = false;
  /** The revision KServe created for the candidate, seen while waiting for it (its pods carry its name). */
  let candidateRevision: string | undefined;
  const read = async () => {
    try {
      return await client.json<InferenceServiceObject>(
        getRequest(RESOURCES.inferenceService, namespace, split.service),
      );
    } catch (error) {
      throw kubernetesFailure(error, { input, what: `InferenceService "${split.service}"`, namespace });
    }
  };
  const checkOwners = (service: InferenceServiceObject) => {
    const owners = conflictingOwners(service.metadata.managedFields, KSERVE_FIELDS);
    if (owners.length > 0) {
      throw new ConfigurationError(
        `Input '${input}': InferenceService "${split.service}" in namespace "${namespace}" is managed by another tool: ${describeOwners(owners)}. Nothing was changed.`,
        { input },
      );
    }
  };
  const apply = async (weight: number, predictor = predictorFor(split, weight)): Promise<InferenceServiceObject> => {
    checkOwners(await read());
    try {
      const applied = await client.json<InferenceServiceObject>(
        applyRequest(RESOURCES.inferenceService, namespace, split.service, { spec: { predictor } }, { force: true }),
      );
      const percent = applied.spec?.predictor?.canaryTrafficPercent;
      if (percent !== predictor.canaryTrafficPercent) {
        throw new ProviderError(`the apiserver kept canaryTrafficPercent at ${percent ?? 'none'} for ${weight}%`);
      }
      return applied;
    } catch (error) {
      if (error instanceof ProviderError) throw error;
      throw new ProviderError(
        `Setting InferenceService "${split.service}" to ${weight}% failed: ${(error as Error).message}`,
      );
    }
  };
  return {
    kind: 'kserve',
    target: `InferenceService ${namespace}/${split.service}`,
    async preflight() {
      await checkKubernetesTarget(client, {
        group: RESOURCES.inferenceService.group,
        version: RESOURCES.inferenceService.version,
        kind: 'InferenceService',
      });
      const service = await read();
      checkOwners(service);
      const serving = service.spec?.predictor?.model?.storageUri;
      if (serving !== split.baseline) {
        throw new ConfigurationError(
          `Input 'baseline': InferenceService "${split.service}" serves storageUri "${serving ?? '(none)'}", not the baseline "${split.baseline}". Nothing was changed.`,
          { input: 'baseline' },
        );
      }
    },
    async setCandidateWeight(weight) {
      if (weight > 0 && !candidateReady) {
        // The candidate becomes the latest revision with no traffic, and gets its first share once it is Ready.
        const applied = await apply(0, { model: { storageUri: split.candidate }, canaryTrafficPercent: 0 });
        const generation = applied.metadata.generation ?? 0;
        options.logger.info(
          `Waiting for InferenceService ${namespace}/${split.service} to be Ready with the candidate…`,
        );
        await waitUntilReady(
          `InferenceService "${split.service}"`,
          async () => {
            const service = await read();
            candidateRevision = service.status?.components?.predictor?.latestCreatedRevision ?? candidateRevision;
            return inferenceServiceReadiness(service, generation);
          },
          { timeoutMs: options.readyTimeoutMs, pollMs: options.pollMs ?? 1_000 },
        );
        candidateReady = true;
      }
      await apply(weight);
    },
    async diagnose() {
      const revision =
        candidateRevision ??
        (await read().catch(() => undefined))?.status?.components?.predictor?.latestCreatedRevision;
      return collectPodDiagnostics(
        client,
        `InferenceService "${split.service}"${revision ? ` revision ${revision}` : ''}`,
        {
          'serving.kserve.io/inferenceservice': split.service,
          ...(revision ? { 'serving.knative.dev/revision': revision } : {}),
        },
        { secrets: options.secrets },
      );
    },
  };
}
