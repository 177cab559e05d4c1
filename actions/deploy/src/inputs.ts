import {
  ConfigurationError,
  checkServerAddresses,
  checkUpstreamName,
  deriveTestCommand,
  type InputReader,
  ON_NO_DATA,
  type OnNoData,
  PROVIDERS,
  type ProviderSettings,
  parseSteps,
  parseStickyKey,
  splitCommandLine,
} from '@mlops-actions/core';

export interface Inputs {
  provider: ProviderSettings;
  steps: number[];
  intervalMs: number;
  pollMs: number;
  maxDurationMs: number;
  gate: string;
  prometheusUrl: string;
  onNoData: OnNoData;
  environment: string | undefined;
  githubToken: string | undefined;
}

const NGINX_ONLY = ['nginx-config', 'nginx-test'] as const;
const KUBERNETES = ['kubeconfig', 'kubernetes-context', 'namespace', 'ready-timeout'] as const;
const GATEWAY_ONLY = ['http-route', 'candidate-deployment'] as const;

/** Refuses inputs that belong to other providers, so a typo in `provider` cannot silently ignore them. */
function refuseForeign(reader: InputReader, kind: string, names: readonly string[], owner: string) {
  for (const name of names) {
    if (reader.optional(name) !== undefined) {
      throw new ConfigurationError(`Input '${name}' is for provider ${owner}; provider is ${kind}.`, { input: name });
    }
  }
}

/** A Kubernetes object name (RFC 1123 subdomain, as Services and Deployments need). */
function objectName(reader: InputReader, name: string, fallback?: string): string {
  const value = reader.optional(name) ?? fallback;
  if (value === undefined)
    throw new ConfigurationError(`Input '${name}' is required with provider gateway-api.`, { input: name });
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(value)) {
    throw new ConfigurationError(
      `Input '${name}' must be a Kubernetes object name (lower-case letters, digits, '-'; at most 63), got "${value}".`,
      { input: name },
    );
  }
  return value;
}

/** The cluster connection and readiness time-out, shared by the Kubernetes providers. */
function readKubernetes(reader: InputReader) {
  const kubeconfig = reader.path('kubeconfig');
  const namespace = reader.optional('namespace');
  if (namespace !== undefined) objectName(reader, 'namespace');
  return {
    readyTimeoutMs: reader.duration('ready-timeout', '5m', { min: 1_000 }),
    connection: {
      kubeconfig,
      display: kubeconfig === undefined ? undefined : reader.display(kubeconfig),
      context: reader.optional('kubernetes-context'),
      namespace,
    },
  };
}

/** A model's storageUri as KServe takes it: scheme://… without spaces. */
function storageUri(reader: InputReader, name: string): string {
  const value = reader.required(name);
  if (!/^[a-z][a-z0-9+.-]*:\/\/\S+$/.test(value)) {
    throw new ConfigurationError(
      `Input '${name}' must be the model's storageUri with provider kserve, e.g. s3://models/churn/v2, got "${value}".`,
      { input: name },
    );
  }
  return value;
}

function readKServe(reader: InputReader): ProviderSettings {
  refuseForeign(reader, 'kserve', [...NGINX_ONLY, 'sticky-key'], 'nginx');
  refuseForeign(reader, 'kserve', ['set-weight-command'], 'command');
  refuseForeign(reader, 'kserve', GATEWAY_ONLY, 'gateway-api');
  return {
    kind: 'kserve',
    split: {
      service: objectName(reader, 'inference-service'),
      baseline: storageUri(reader, 'baseline'),
      candidate: storageUri(reader, 'candidate'),
    },
    ...readKubernetes(reader),
  };
}

function readGatewayApi(reader: InputReader): ProviderSettings {
  refuseForeign(reader, 'gateway-api', NGINX_ONLY, 'nginx');
  refuseForeign(reader, 'gateway-api', ['set-weight-command'], 'command');
  refuseForeign(reader, 'gateway-api', ['inference-service'], 'kserve');
  const stickyText = reader.optional('sticky-key');
  const candidate = objectName(reader, 'candidate');
  return {
    kind: 'gateway-api',
    split: {
      route: objectName(reader, 'http-route'),
      baseline: objectName(reader, 'baseline'),
      candidate,
      sticky: stickyText === undefined ? undefined : parseStickyKey(stickyText, 'sticky-key'),
    },
    candidateDeployment: objectName(reader, 'candidate-deployment', candidate),
    ...readKubernetes(reader),
  };
}

function commandLine(_reader: InputReader, name: string, text: string): string[] {
  try {
    const words = splitCommandLine(text);
    if (words.length === 0) throw new SyntaxError('no command');
    return words;
  } catch (error) {
    throw new ConfigurationError(
      `Input '${name}' is not a command line (${(error as Error).message}); it runs without a shell, quote arguments with ' or ".`,
      { input: name },
    );
  }
}

function readProvider(reader: InputReader): ProviderSettings {
  const kind = reader.enum('provider', PROVIDERS);
  if (kind === undefined) {
    throw new ConfigurationError(`Input 'provider' is required: ${PROVIDERS.join(' or ')}.`, { input: 'provider' });
  }
  const baseline = reader.required('baseline');
  const candidate = reader.required('candidate');
  if (kind === 'gateway-api') return readGatewayApi(reader);
  if (kind === 'kserve') return readKServe(reader);
  refuseForeign(reader, kind, [...KUBERNETES, ...GATEWAY_ONLY], 'gateway-api');
  refuseForeign(reader, kind, ['inference-service'], 'kserve');
  if (kind === 'command') {
    refuseForeign(reader, kind, [...NGINX_ONLY, 'sticky-key'], 'nginx');
    const text = reader.optional('set-weight-command');
    if (text === undefined) {
      throw new ConfigurationError(
        'Input \'set-weight-command\' is required with provider command, e.g. "./set-weight.sh {weight}".',
        {
          input: 'set-weight-command',
        },
      );
    }
    const command = commandLine(reader, 'set-weight-command', text);
    if (!command.some((argument) => argument.includes('{weight}'))) {
      throw new ConfigurationError(
        `Input 'set-weight-command' must pass the candidate's weight with {weight}, e.g. "./set-weight.sh {weight}".`,
        { input: 'set-weight-command' },
      );
    }
    return { kind, command, baseline, candidate };
  }
  if (reader.optional('set-weight-command') !== undefined) {
    throw new ConfigurationError("Input 'set-weight-command' is for provider command; provider is nginx.", {
      input: 'set-weight-command',
    });
  }
  const configPath = reader.path('nginx-config');
  if (configPath === undefined) {
    throw new ConfigurationError(
      "Input 'nginx-config' is required with provider nginx: the file this action rewrites, included at http {} level.",
      { input: 'nginx-config' },
    );
  }
  const stickyText = reader.optional('sticky-key');
  const reloadCommand = commandLine(reader, 'nginx-reload', reader.optional('nginx-reload') ?? 'nginx -s reload');
  const testText = reader.optional('nginx-test');
  return {
    kind,
    split: {
      upstream: checkUpstreamName(reader.optional('nginx-upstream') ?? 'model', 'nginx-upstream'),
      baseline: checkServerAddresses(reader.list('baseline'), 'baseline'),
      candidate: checkServerAddresses(reader.list('candidate'), 'candidate'),
      sticky: stickyText === undefined ? undefined : parseStickyKey(stickyText, 'sticky-key'),
    },
    configPath,
    configDisplay: reader.display(configPath),
    reloadCommand,
    testCommand:
      testText === undefined ? deriveTestCommand(reloadCommand) : commandLine(reader, 'nginx-test', testText),
  };
}

/** Reads and checks every input once, before any work. */
export function getInputs(reader: InputReader): Inputs {
  const provider = readProvider(reader);
  const steps = parseSteps(reader.list('steps').length > 0 ? reader.list('steps') : ['5', '25', '50', '100']);
  const intervalMs = reader.duration('interval', '60s', { min: 1_000 });
  const pollMs =
    reader.duration('poll-interval', undefined, { min: 250 }) ?? Math.min(15_000, Math.max(1_000, intervalMs / 4));
  const bakingSteps = steps.length - 1;
  const maxDurationMs = reader.duration('max-duration', undefined, { min: 1_000 }) ?? 3 * bakingSteps * intervalMs;
  if (maxDurationMs < bakingSteps * intervalMs) {
    throw new ConfigurationError(
      `Input 'max-duration' must leave time for every step: at least ${bakingSteps} × interval = ${(bakingSteps * intervalMs) / 1000}s.`,
      { input: 'max-duration' },
    );
  }
  const prometheusUrl = reader.required('prometheus-url');
  if (!/^https?:\/\/[^\s/]+/.test(prometheusUrl)) {
    throw new ConfigurationError(
      `Input 'prometheus-url' must be an http(s) URL such as http://prometheus:9090, got "${prometheusUrl}".`,
      {
        input: 'prometheus-url',
      },
    );
  }
  return {
    provider,
    steps,
    intervalMs,
    pollMs,
    maxDurationMs,
    gate: reader.required('gate'),
    prometheusUrl,
    onNoData: reader.enum('on-no-data', ON_NO_DATA, 'hold'),
    environment: reader.optional('environment'),
    githubToken: reader.optional('github-token'),
  };
}
