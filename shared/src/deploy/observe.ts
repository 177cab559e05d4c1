// Reading the gate's metrics from Prometheus: every query once per arm, `$variant` and `$window` substituted.
import { ConfigurationError } from '../errors/index.js';
import { type PrometheusClient, PrometheusError } from '../prometheus/index.js';
import type { MetricObservation } from './evaluate.js';
import { type Gate, type GateMetric, renderQuery } from './gate.js';

type Arm = 'baseline' | 'candidate';

/** A query that answered more than one series: the gate cannot tell which one is the arm's. */
export class AmbiguousQueryError extends Error {
  readonly metric: GateMetric;
  readonly field: string;
  constructor(metric: GateMetric, field: string, series: number) {
    super(
      `metric '${metric.name}' ${field}: the query returned ${series} series for one arm; aggregate it to one, e.g. sum(...)`,
    );
    this.name = 'AmbiguousQueryError';
    this.metric = metric;
    this.field = field;
  }
}

function queryFields(metric: GateMetric): string[] {
  return metric.kind === 'proportion' ? ['events', 'trials'] : ['query'];
}

async function single(
  client: PrometheusClient,
  metric: GateMetric,
  field: string,
  promql: string,
): Promise<number | undefined> {
  const samples = await client.query(promql);
  if (samples.length > 1) throw new AmbiguousQueryError(metric, field, samples.length);
  return samples[0]?.value;
}

/**
 * One poll: every metric for both arms over the window since the rollout began. Throws PrometheusError when
 * Prometheus cannot answer (the rollout then holds) and AmbiguousQueryError for a query that needs aggregating.
 */
export async function observeGate(
  client: PrometheusClient,
  gate: Gate,
  windowSeconds: number,
): Promise<Map<string, MetricObservation>> {
  const arm = async (metric: GateMetric, which: Arm) => {
    const variant = gate.variants[which];
    const read = (field: string, template: string) =>
      single(client, metric, field, renderQuery(template, variant, windowSeconds));
    if (metric.kind === 'threshold') return read('query', metric.query);
    const [events, trials] = await Promise.all([read('events', metric.events), read('trials', metric.trials)]);
    return trials === undefined ? undefined : { events: events ?? 0, trials };
  };
  const entries = await Promise.all(
    gate.metrics.map(async (metric): Promise<[string, MetricObservation]> => {
      const [baseline, candidate] = await Promise.all([arm(metric, 'baseline'), arm(metric, 'candidate')]);
      return metric.kind === 'proportion'
        ? [
            metric.name,
            {
              kind: 'proportion',
              baseline: baseline as { events: number; trials: number } | undefined,
              candidate: candidate as { events: number; trials: number } | undefined,
            },
          ]
        : [
            metric.name,
            { kind: 'threshold', baseline: baseline as number | undefined, candidate: candidate as number | undefined },
          ];
    }),
  );
  return new Map(entries);
}

/**
 * Before any traffic moves: Prometheus answers, and accepts every query of the gate (a PromQL mistake is reported
 * at its line in the gate file) with at most one series per arm.
 */
export async function checkGateQueries(
  client: PrometheusClient,
  gate: Gate,
  inputs: { prometheus: string; gate: string },
): Promise<void> {
  try {
    await client.checkReachable();
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new ConfigurationError(`Input '${inputs.prometheus}': Prometheus does not answer (${why}).`, {
      input: inputs.prometheus,
    });
  }
  for (const metric of gate.metrics) {
    for (const field of queryFields(metric)) {
      const template = (metric as unknown as Record<string, string>)[field] as string;
      for (const variant of [gate.variants.baseline, gate.variants.candidate]) {
        try {
          await single(client, metric, field, renderQuery(template, variant, 60));
        } catch (error) {
          if (error instanceof AmbiguousQueryError) {
            throw gate.document.error([...metric.path, field], error.message, { input: inputs.gate });
          }
          if (error instanceof PrometheusError && error.kind === 'bad-query') {
            throw gate.document.error([...metric.path, field], `Prometheus refused the query: ${error.message}`, {
              input: inputs.gate,
            });
          }
          const why = error instanceof Error ? error.message : String(error);
          throw new ConfigurationError(
            `Input '${inputs.prometheus}': Prometheus could not run the gate's queries (${why}).`,
            {
              input: inputs.prometheus,
            },
          );
        }
      }
    }
  }
}
