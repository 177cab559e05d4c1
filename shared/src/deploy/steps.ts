import { ConfigurationError } from '../errors/index.js';

export const DEFAULT_STEPS = '5,25,50,100';

/**
 * Rollout steps: whole percentages, strictly increasing, within 1..100, ending at 100 (the promotion), with at
 * least one step below 100 so the gate sees both arms before the candidate takes everything.
 */
export function parseSteps(items: readonly string[], input = 'steps'): number[] {
  const fail = (problem: string) =>
    new ConfigurationError(
      `Input '${input}' ${problem}; write increasing whole percentages ending at 100, e.g. ${DEFAULT_STEPS}.`,
      { input },
    );
  if (items.length === 0) throw fail('is empty');
  const steps = items.map((item) => {
    const text = item.replace(/%$/, '');
    if (!/^\d+$/.test(text)) throw fail(`has "${item}", which is not a whole percentage`);
    const value = Number(text);
    if (value < 1 || value > 100) throw fail(`has ${value}, outside 1..100`);
    return value;
  });
  for (let index = 1; index < steps.length; index += 1) {
    const previous = steps[index - 1] as number;
    const current = steps[index] as number;
    if (current <= previous) throw fail(`is not increasing: ${current} follows ${previous}`);
  }
  if (steps.at(-1) !== 100)
    throw fail(`ends at ${steps.at(-1)}, not 100 (promotion sends all traffic to the candidate)`);
  if (steps.length < 2) throw fail('has no step below 100, so the gate would never compare the arms');
  return steps;
}
