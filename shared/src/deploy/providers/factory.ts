import { createKubernetesClient } from '../../kubernetes/client.js';
import { type ConnectionOptions, resolveConnection } from '../../kubernetes/connection.js';
import type { CandidateDiagnostics } from '../../kubernetes/workload.js';
import type { Logger } from '../../log/index.js';
import type { SecretMask } from '../../secrets/index.js';
import { createCommandProvider } from './command.js';
import { createGatewayApiProvider, type GatewaySplit } from './gateway-api.js';
import { createKServeProvider, type KServeSplit } from './kserve.js';
import { createNginxProvider, type NginxSplit } from './nginx.js';
import type { TrafficProvider } from './provider.js';

export const PROVIDERS = ['nginx', 'command', 'gateway-api', 'kserve'] as const;
export type ProviderKind = (typeof PROVIDERS)[number];

/** A provider as the inputs describe it: plain data, so main and the post step build the same one. */
export type ProviderSettings =
  | {
      kind: 'nginx';
      split: NginxSplit;
      configPath: string;
      configDisplay: string;
      testCommand: string[];
      reloadCommand: string[];
    }
  | { kind: 'command'; command: string[]; baseline: string; candidate: string }
  | {
      kind: 'gateway-api';
      split: GatewaySplit;
      candidateDeployment: string;
      readyTimeoutMs: number;
      connection: ConnectionOptions;
    }
  | { kind: 'kserve'; split: KServeSplit; readyTimeoutMs: number; connection: ConnectionOptions };

/** A provider that can say what the candidate's pods are doing (Kubernetes providers). */
export interface DiagnosableProvider extends TrafficProvider {
  diagnose(): Promise<CandidateDiagnostics>;
}

export function isDiagnosable(provider: TrafficProvider): provider is DiagnosableProvider {
  return typeof (provider as Partial<DiagnosableProvider>).diagnose === 'function';
}

export async function createProvider(
  settings: ProviderSettings,
  context: { logger: Logger; secrets?: SecretMask; settleMs?: number; setSecret?: (value: string) => void },
): Promise<TrafficProvider> {
  if (settings.kind === 'nginx') return createNginxProvider({ ...settings, ...context });
  if (settings.kind === 'gateway-api' || settings.kind === 'kserve') {
    const connection = await resolveConnection(settings.connection);
    if (connection.token) {
      context.setSecret?.(connection.token);
      context.secrets?.add(connection.token);
    }
    const common = {
      client: createKubernetesClient(connection),
      readyTimeoutMs: settings.readyTimeoutMs,
      logger: context.logger,
      ...(context.secrets ? { secrets: context.secrets } : {}),
    };
    if (settings.kind === 'kserve') return createKServeProvider({ ...common, split: settings.split });
    return createGatewayApiProvider({
      ...common,
      split: settings.split,
      candidateDeployment: settings.candidateDeployment,
    });
  }
  return createCommandProvider({ ...settings, input: 'set-weight-command', ...context });
}
