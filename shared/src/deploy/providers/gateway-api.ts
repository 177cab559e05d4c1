// Gateway API: the weights of two backendRefs (baseline and candidate Services) in one rule of an HTTPRoute,
// written by server-side apply as field manager mlops-deploy. Any conformant implementation (Istio, Envoy Gateway,
// NGINX Gateway Fabric, GKE, AKS) moves the traffic. `spec.rules` is an atomic list, so every apply carries all the
// route's rules: those we do not touch are sent back as they were read.
import { ConfigurationError } from '../../errors/index.js';
import type { KubernetesClient } from '../../kubernetes/client.js';
import { conflictingOwners, describeOwners, type ManagedFieldsEntry } from '../../kubernetes/ownership.js';
import { checkKubernetesTarget, kubernetesFailure } from '../../kubernetes/preflight.js';
import { applyRequest, getRequest, RESOURCES } from '../../kubernetes/requests.js';
import {
  type CandidateDiagnostics,
  collectDeploymentDiagnostics,
  waitForDeployment,
} from '../../kubernetes/workload.js';
import type { Logger } from '../../log/index.js';
import type { SecretMask } from '../../secrets/index.js';
import type { StickyKey } from './nginx.js';
import { ProviderError, type TrafficProvider } from './provider.js';

type Json = Record<string, unknown>;

export interface BackendRef extends Json {
  name: string;
  weight?: number;
  kind?: string;
  group?: string;
}

export interface HttpRouteRule extends Json {
  matches?: Json[];
  backendRefs?: BackendRef[];
}

export interface GatewaySplit {
  route: string;
  baseline: string;
  candidate: string;
  sticky?: StickyKey | undefined;
}

const isServiceRef = (ref: BackendRef, name: string) =>
  ref.name === name && (ref.kind ?? 'Service') === 'Service' && (ref.group ?? '') === '';

/** The header match that pins a request to the candidate: `<Name>: candidate`, or a cookie `<name>=candidate`. */
export function stickyHeaderMatch(key: StickyKey): Json {
  return key.source === 'header'
    ? { type: 'Exact', name: key.name, value: 'candidate' }
    : { type: 'RegularExpression', name: 'Cookie', value: `(^|;\\s*)${key.name}=candidate(;|$)` };
}

/** Whether two header matches are the same, field by field (the apiserver returns keys in its own order). */
function sameHeaderMatch(a: Json, b: Json): boolean {
  return (
    String(a.name).toLowerCase() === String(b.name).toLowerCase() &&
    (a.type ?? 'Exact') === (b.type ?? 'Exact') &&
    a.value === b.value
  );
}

function isStickyRule(rule: HttpRouteRule, split: GatewaySplit): boolean {
  if (!split.sticky) return false;
  const wanted = stickyHeaderMatch(split.sticky);
  const refs = rule.backendRefs ?? [];
  return (
    refs.length === 1 &&
    refs[0] !== undefined &&
    isServiceRef(refs[0], split.candidate) &&
    (rule.matches ?? []).some((match) =>
      ((match.headers as Json[] | undefined) ?? []).some((header) => sameHeaderMatch(header, wanted)),
    )
  );
}

/** The index of the rule that carries the baseline Service, or an explanation of why there is none. */
export function findWeightedRule(rules: readonly HttpRouteRule[], split: GatewaySplit): number | string {
  const indexes = rules.flatMap((rule, index) =>
    !isStickyRule(rule, split) && (rule.backendRefs ?? []).some((ref) => isServiceRef(ref, split.baseline))
      ? [index]
      : [],
  );
  if (indexes.length === 0) return `no rule of HTTPRoute "${split.route}" sends traffic to Service "${split.baseline}"`;
  if (indexes.length > 1) {
    return `${indexes.length} rules of HTTPRoute "${split.route}" send traffic to Service "${split.baseline}"; one is expected`;
  }
  const rule = rules[indexes[0] as number] as HttpRouteRule;
  const others = (rule.backendRefs ?? []).filter(
    (ref) => !isServiceRef(ref, split.baseline) && !isServiceRef(ref, split.candidate),
  );
  if (others.length > 0) {
    return `the rule of HTTPRoute "${split.route}" that sends traffic to "${split.baseline}" also sends it to ${others.map((ref) => `"${ref.name}"`).join(', ')}; it may hold only the baseline and the candidate`;
  }
  return indexes[0] as number;
}

/**
 * The route's rules with `weight` percent on the candidate: the weighted rule's backendRefs become baseline
 * (100 − weight) and candidate (weight), keeping any other fields of the refs; with a sticky key, a rule before
 * it sends requests that carry the key's candidate value to the candidate while 0 < weight < 100. Pure.
 */
export function weightedRules(rules: readonly HttpRouteRule[], split: GatewaySplit, weight: number): HttpRouteRule[] {
  if (!Number.isInteger(weight) || weight < 0 || weight > 100)
    throw new RangeError(`weight must be 0..100, got ${weight}`);
  const index = findWeightedRule(rules, split);
  if (typeof index === 'string') throw new ProviderError(`${index}.`);
  const kept = rules.filter((rule) => !isStickyRule(rule, split));
  const position = kept.indexOf(rules[index] as HttpRouteRule);
  const rule = kept[position] as HttpRouteRule;
  const refs = rule.backendRefs ?? [];
  const baseline = refs.find((ref) => isServiceRef(ref, split.baseline)) as BackendRef;
  const candidate = refs.find((ref) => isServiceRef(ref, split.candidate)) ?? {
    name: split.candidate,
    port: baseline.port,
  };
  const weighted: HttpRouteRule = {
    ...rule,
    backendRefs: [
      { ...baseline, weight: 100 - weight },
      { ...candidate, weight },
    ],
  };
  const result = [...kept];
  result[position] = weighted;
  if (split.sticky && weight > 0 && weight < 100) {
    const header = stickyHeaderMatch(split.sticky);
    const matches = (rule.matches && rule.matches.length > 0 ? rule.matches : [{}]).map((match) => ({
      ...match,
      headers: [...((match.headers as Json[] | undefined) ?? []), header],
    }));
    const { matches: _drop, backendRefs: _refs, ...ruleRest } = rule;
    const { weight: _weight, ...candidateRef } = candidate;
    result.splice(position, 0, { ...ruleRest, matches, backendRefs: [{ ...candidateRef, weight: 1 }] });
  }
  if (result.length > 16)
    throw new ProviderError(`HTTPRoute "${split.route}" would have ${result.length} rules; at most 16 are allowed.`);
  return result;
}

/** The candidate's weight as the route says it, for checks and the benchmark. */
export function candidateWeightOf(rules: readonly HttpRouteRule[], split: GatewaySplit): number | undefined {
  const index = findWeightedRule(rules, split);
  if (typeof index === 'string') return undefined;
  const refs = (rules[index] as HttpRouteRule).backendRefs ?? [];
  const weightOf = (name: string) => refs.find((ref) => isServiceRef(ref, name))?.weight;
  const baseline = weightOf(split.baseline) ?? 1;
  const candidate = weightOf(split.candidate) ?? 0;
  return baseline + candidate === 0 ? undefined : Math.round((100 * candidate) / (baseline + candidate));
}

interface HttpRoute {
  metadata: { managedFields?: ManagedFieldsEntry[] };
  spec?: { rules?: HttpRouteRule[] };
}

export interface GatewayApiProviderOptions {
  client: KubernetesClient;
  split: GatewaySplit;
  /** The candidate's Deployment, which must be Ready before it gets traffic. */
  candidateDeployment: string;
  readyTimeoutMs: number;
  logger: Logger;
  secrets?: SecretMask;
  pollMs?: number;
}

export function createGatewayApiProvider(options: GatewayApiProviderOptions): TrafficProvider & {
  diagnose(): Promise<CandidateDiagnostics>;
} {
  const { client, split } = options;
  const namespace = client.namespace;
  let candidateReady = false;
  const readRoute = async (): Promise<HttpRoute> => {
    try {
      return await client.json<HttpRoute>(getRequest(RESOURCES.httpRoute, namespace, split.route));
    } catch (error) {
      throw kubernetesFailure(error, { input: 'http-route', what: `HTTPRoute "${split.route}"`, namespace });
    }
  };
  const checkRoute = (route: HttpRoute) => {
    const owners = conflictingOwners(route.metadata.managedFields, [['spec', 'rules']]);
    if (owners.length > 0) {
      throw new ConfigurationError(
        `Input 'http-route': HTTPRoute "${split.route}" in namespace "${namespace}" is managed by another tool: ${describeOwners(owners)}. Nothing was changed; let one tool move this route's traffic (remove it from the other's control, or use provider command with that tool).`,
        { input: 'http-route' },
      );
    }
    const index = findWeightedRule(route.spec?.rules ?? [], split);
    if (typeof index === 'string') {
      throw new ConfigurationError(`Input 'http-route': ${index}. Nothing was changed.`, { input: 'http-route' });
    }
  };
  return {
    kind: 'gateway-api',
    target: `HTTPRoute ${namespace}/${split.route}`,
    async preflight() {
      await checkKubernetesTarget(client, {
        group: RESOURCES.httpRoute.group,
        version: RESOURCES.httpRoute.version,
        kind: 'HTTPRoute',
      });
      checkRoute(await readRoute());
      try {
        await client.json(getRequest(RESOURCES.deployment, namespace, options.candidateDeployment));
      } catch (error) {
        throw kubernetesFailure(error, {
          input: 'candidate-deployment',
          what: `Deployment "${options.candidateDeployment}"`,
          namespace,
        });
      }
    },
    async setCandidateWeight(weight) {
      if (weight > 0 && !candidateReady) {
        options.logger.info(`Waiting for Deployment ${namespace}/${options.candidateDeployment} to be ready…`);
        await waitForDeployment(client, options.candidateDeployment, {
          timeoutMs: options.readyTimeoutMs,
          pollMs: options.pollMs ?? 1_000,
        });
        candidateReady = true;
      }
      const route = await readRoute();
      checkRoute(route);
      const rules = weightedRules(route.spec?.rules ?? [], split, weight);
      try {
        const applied = await client.json<HttpRoute>(
          applyRequest(RESOURCES.httpRoute, namespace, split.route, { spec: { rules } }, { force: true }),
        );
        const seen = candidateWeightOf(applied.spec?.rules ?? [], split);
        if (seen !== weight)
          throw new ProviderError(`the apiserver kept the candidate at ${seen}% instead of ${weight}%`);
      } catch (error) {
        if (error instanceof ProviderError) throw error;
        throw new ProviderError(`Setting HTTPRoute "${split.route}" to ${weight}% failed: ${(error as Error).message}`);
      }
    },
    diagnose: () => collectDeploymentDiagnostics(client, options.candidateDeployment, { secrets: options.secrets }),
  };
}
