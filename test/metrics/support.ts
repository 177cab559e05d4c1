import { expect } from 'vitest';
import { ConfigurationError } from '../../shared/src/errors/index.js';
import { createRandom } from '../../shared/src/metrics/index.js';

/** |actual − expected| ≤ tolerance · max(1, |expected|): 1e-9 absolute for metrics in [0, 1], relative above. */
export function expectClose(actual: number | undefined, expected: number, tolerance = 1e-9): void {
  expect(actual).toBeTypeOf('number');
  const scale = Math.max(1, Math.abs(expected));
  if (!(Math.abs(actual! - expected) <= tolerance * scale)) {
    expect.fail(`expected ${actual} to be within ${tolerance} × ${scale} of ${expected}`);
  }
}

/** Averaged precision, recall and F1 against sklearn's [precision, recall, f1]. */
export function expectScoresClose(actual: { precision: number; recall: number; f1: number }, expected: number[]): void {
  expectClose(actual.precision, expected[0]!);
  expectClose(actual.recall, expected[1]!);
  expectClose(actual.f1, expected[2]!);
}

/** The ConfigurationError a piece of work throws (fails the test when it throws nothing or something else). */
export function errorOf(work: () => unknown): ConfigurationError {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  return expect.fail('expected a ConfigurationError');
}

/** A standard normal draw (Box-Muller) from a uniform source. */
export function normal(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

export type Ties = 'continuous' | 'decimals2' | 'decimals1';

export interface BinaryCase {
  name: string;
  labels: number[];
  scores: number[];
}

/**
 * Labels with the given positive rate (at least one of each class) and probabilities that lean towards the true
 * class, optionally rounded to 1 or 2 decimals for heavy ties (which also yields exact 0 and 1).
 */
export function binaryCase(size: number, positiveRate: number, ties: Ties, seed: number): BinaryCase {
  const random = createRandom(seed);
  const labels: number[] = [];
  const scores: number[] = [];
  for (let index = 0; index < size; index += 1) {
    const label = index === 0 ? 1 : index === 1 ? 0 : random() < positiveRate ? 1 : 0;
    const logit = 1.5 * normal(random) + (label === 1 ? 1.2 : -0.8);
    let score = 1 / (1 + Math.exp(-logit));
    if (ties === 'decimals2') score = Math.round(score * 100) / 100;
    if (ties === 'decimals1') score = Math.round(score * 10) / 10;
    labels.push(label);
    scores.push(score);
  }
  return { name: `n=${size} rate=${positiveRate} ${ties}`, labels, scores };
}
