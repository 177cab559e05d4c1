// The rollout: set a weight, bake while polling the gate, then advance, promote or roll back. It knows nothing of
// nginx or Prometheus: a provider moves traffic and `observe` reads the metrics, so tests drive it with fakes.
import type { Logger } from '../log/index.js';
import type { GateEvaluator, GateVerdict, MetricObservation } from './evaluate.js';
import type { TrafficProvider } from './providers/provider.js';

export const ON_NO_DATA = ['hold', 'rollback'] as const;
export type OnNoData = (typeof ON_NO_DATA)[number];
export type RolloutDecision = 'promoted' | 'rolled-back' | 'inconclusive';

export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface Look {
  /** Milliseconds since the rollout began. */
  at: number;
  weight: number;
  verdict: GateVerdict;
}

export interface StepRecord {
  weight: number;
  /** Milliseconds since the rollout began. */
  startedAt: number;
  endedAt?: number;
  looks: number;
  /** The step's last look: what its row in the verdict table shows. */
  last?: GateVerdict;
  outcome: 'advanced' | 'promoted' | 'rolled-back' | 'held' | 'interrupted';
}

export interface RolloutResult {
  decision: RolloutDecision;
  finalWeight: number;
  reason: string;
  steps: StepRecord[];
  looks: Look[];
  durationMs: number;
}

export interface RolloutOptions {
  /** Candidate weights in percent, increasing, the last one 100. */
  steps: readonly number[];
  /** Bake time per step. */
  intervalMs: number;
  /** Past this, a rollout without enough evidence ends as `onNoData` says. */
  maxDurationMs: number;
  pollMs: number;
  onNoData: OnNoData;
  evaluator: GateEvaluator;
  provider: TrafficProvider;
  /** Reads every metric over the window since the rollout began; throws when the metrics cannot be read. */
  observe(windowSeconds: number): Promise<ReadonlyMap<string, MetricObservation>>;
  log: Logger;
  clock?: Clock;
  /** Called before each weight change (to save state for the post step). */
  beforeWeightChange?(weight: number): void | Promise<void>;
}

/** The gate's verdict when the metrics could not be read: wait, never promote. */
function unreadable(error: unknown): GateVerdict {
  const why = error instanceof Error ? error.message : String(error);
  return { decision: 'wait', why: `metrics unavailable: ${why}`, metrics: [] };
}

/** Whether a verdict lets the rollout leave a step for `next` (100 is the promotion). */
export function mayAdvance(verdict: GateVerdict, next: number): boolean {
  return next === 100
    ? verdict.decision === 'promotable'
    : verdict.decision === 'promotable' || verdict.decision === 'safe';
}

export async function runRollout(options: RolloutOptions): Promise<RolloutResult> {
  const clock = options.clock ?? realClock;
  const { provider, log } = options;
  const started = clock.now();
  const elapsed = () => clock.now() - started;
  const steps: StepRecord[] = [];
  const looks: Look[] = [];
  let weight = 0;

  const setWeight = async (next: number) => {
    await options.beforeWeightChange?.(next);
    // Logged once the provider holds the weight: it may first wait for the candidate to be ready.
    await provider.setCandidateWeight(next);
    weight = next;
    log.info(`Weight: candidate ${next}%, baseline ${100 - next}% (${provider.kind} ${provider.target}).`);
  };
  const finish = (decision: RolloutDecision, reason: string): RolloutResult => {
    const current = steps.at(-1);
    if (current && current.endedAt === undefined) current.endedAt = elapsed();
    return { decision, finalWeight: weight, reason, steps, looks, durationMs: elapsed() };
  };
  const rollBack = async (reason: string, step: StepRecord | undefined): Promise<RolloutResult> => {
    if (step) step.outcome = 'rolled-back';
    log.warning(`Rolling back: ${reason}`);
    await setWeight(0);
    return finish('rolled-back', reason);
  };

  for (const [index, target] of options.steps.entries()) {
    const step: StepRecord = { weight: target, startedAt: elapsed(), looks: 0, outcome: 'interrupted' };
    try {
      await setWeight(target);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      steps.push(step);
      return rollBack(`the weight change to ${target}% failed: ${why}`, step);
    }
    steps.push(step);
    if (target === 100) {
      step.outcome = 'promoted';
      return finish('promoted', `every step passed; the candidate takes all traffic`);
    }
    const next = options.steps[index + 1] ?? 100;
    let lastHoldReason = '';
    for (;;) {
      await clock.sleep(options.pollMs);
      let verdict: GateVerdict;
      try {
        verdict = options.evaluator.evaluate(await options.observe(elapsed() / 1000));
      } catch (error) {
        verdict = unreadable(error);
      }
      step.looks += 1;
      step.last = verdict;
      looks.push({ at: elapsed(), weight: target, verdict });
      log.debug(`look ${looks.length} at ${target}%: ${verdict.decision}: ${verdict.why}`);
      if (verdict.decision === 'rollback') return rollBack(verdict.why, step);
      const baked = clock.now() - started - step.startedAt >= options.intervalMs;
      if (baked && mayAdvance(verdict, next)) {
        step.outcome = 'advanced';
        step.endedAt = elapsed();
        break;
      }
      if (elapsed() >= options.maxDurationMs) {
        step.outcome = 'held';
        const reason = `no decision within max-duration at ${target}%: ${verdict.why}`;
        if (options.onNoData === 'rollback') return rollBack(reason, step);
        log.warning(`Holding at ${target}% (on-no-data: hold): ${reason}`);
        return finish('inconclusive', reason);
      }
      if (baked && verdict.why !== lastHoldReason) {
        lastHoldReason = verdict.why;
        log.info(`Holding at ${target}%: ${verdict.why}`);
      }
    }
  }
  // Unreachable with validated steps (the last is 100); kept so a caller's mistake cannot promote silently.
  return finish('inconclusive', 'the steps ended below 100%');
}
