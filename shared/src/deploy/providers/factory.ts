import type { Logger } from '../../log/index.js';
import type { SecretMask } from '../../secrets/index.js';
import { createCommandProvider } from './command.js';
import { createNginxProvider, type NginxSplit } from './nginx.js';
import type { TrafficProvider } from './provider.js';

export const PROVIDERS = ['nginx', 'command'] as const;
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
  | { kind: 'command'; command: string[]; baseline: string; candidate: string };

export function createProvider(
  settings: ProviderSettings,
  context: { logger: Logger; secrets?: SecretMask; settleMs?: number },
): TrafficProvider {
  if (settings.kind === 'nginx') return createNginxProvider({ ...settings, ...context });
  return createCommandProvider({ ...settings, input: 'set-weight-command', ...context });
}
