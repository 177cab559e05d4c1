import { sortDoubles } from '../statistics/numeric.js';
import { CompensatedSum } from './validate.js';

/**
 * ROC AUC and average precision from groups of tied scores, visited from the highest score down.
 *
 * ROC AUC: sklearn integrates the ROC curve with the trapezoid rule over the distinct thresholds. Summed up, each
 * trapezoid is `negatives_in_group × (positives_above + positives_in_group / 2)` pairs, so the area is the
 * Mann-Whitney count (a tie counts half) over P·N: we add these half-integers exactly and divide once.
 *
 * Average precision: sklearn's step-wise sum Σ (R_k − R_{k−1}) · P_k over the distinct thresholds, where a group of
 * tied scores is one threshold: its positives all get the precision at the bottom of the group.
 *
 * With `binned` set, a group is a histogram cell whose scores may differ, and the accumulator also sums how far
 * the true value can be from the cell-tied one (see `errorBounds`).
 */
export class RankingAccumulator {
  private truePositives = 0;
  private falsePositives = 0;
  /** Twice the Mann-Whitney count, kept integer so it is exact up to 2^53. */
  private doublePairs = 0;
  /** Positive-negative pairs that share a group: the only pairs whose order a group can hide. */
  private pairsWithinGroups = 0;
  private readonly precisionSum = new CompensatedSum();
  private readonly precisionSpread = new CompensatedSum();

  constructor(private readonly binned = false) {}

  addGroup(positives: number, negatives: number): void {
    const truePositivesAbove = this.truePositives;
    const falsePositivesAbove = this.falsePositives;
    this.doublePairs += negatives * (2 * truePositivesAbove + positives);
    this.truePositives = truePositivesAbove + positives;
    this.falsePositives = falsePositivesAbove + negatives;
    if (positives > 0) {
      this.precisionSum.add((positives * this.truePositives) / (this.truePositives + this.falsePositives));
      if (this.binned) {
        this.pairsWithinGroups += positives * negatives;
        // Whatever the order inside the cell, each of its positives sees a precision between these two.
        const lowest = (truePositivesAbove + 1) / (truePositivesAbove + 1 + falsePositivesAbove + negatives);
        const highest = this.truePositives / (this.truePositives + falsePositivesAbove);
        this.precisionSpread.add(positives * (highest - lowest));
      }
    }
  }

  get positives(): number {
    return this.truePositives;
  }

  get negatives(): number {
    return this.falsePositives;
  }

  rocAuc(): number {
    return this.doublePairs / 2 / (this.truePositives * this.falsePositives);
  }

  averagePrecision(): number {
    return this.truePositives === 0 ? 0 : this.precisionSum.value / this.truePositives;
  }

  /**
   * Upper bounds on |value − exact value| when groups are histogram cells (0 for exact groups).
   * ROC AUC: cells keep the order of pairs in different cells (the cell map is monotone), and a pair inside one
   * cell counts ½ where the exact AUC counts 0, ½ or 1, so the error is at most ½ · (pairs inside cells) / (P·N).
   * Average precision: every positive's precision lies in [lowest, highest] of its cell, both for the exact order
   * and for the cell-tied value, so the error is at most Σ_cells positives · (highest − lowest) / P.
   */
  errorBounds(): { rocAuc: number; averagePrecision: number } {
    return {
      rocAuc: this.pairsWithinGroups / 2 / (this.truePositives * this.falsePositives),
      averagePrecision: this.truePositives === 0 ? 0 : this.precisionSpread.value / this.truePositives,
    };
  }
}

/** Splits scores by label (1 or 0) into two ascending arrays; labels must already be validated as binary. */
export function sortedScoresByClass(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  positives: number,
): { positive: Float64Array; negative: Float64Array } {
  const positive = new Float64Array(positives);
  const negative = new Float64Array(labels.length - positives);
  let nextPositive = 0;
  let nextNegative = 0;
  for (let index = 0; index < labels.length; index += 1) {
    if (labels[index] === 1) positive[nextPositive++] = scores[index]!;
    else negative[nextNegative++] = scores[index]!;
  }
  sortDoubles(positive);
  sortDoubles(negative);
  return { positive, negative };
}

/** Walks two ascending arrays from the top, one group per distinct score, into the accumulator. */
export function accumulateSorted(positive: Float64Array, negative: Float64Array, into: RankingAccumulator): void {
  let nextPositive = positive.length - 1;
  let nextNegative = negative.length - 1;
  while (nextPositive >= 0 || nextNegative >= 0) {
    const topPositive = nextPositive >= 0 ? positive[nextPositive]! : Number.NEGATIVE_INFINITY;
    const topNegative = nextNegative >= 0 ? negative[nextNegative]! : Number.NEGATIVE_INFINITY;
    const threshold = topPositive > topNegative ? topPositive : topNegative;
    let groupPositives = 0;
    while (nextPositive >= 0 && positive[nextPositive] === threshold) {
      groupPositives += 1;
      nextPositive -= 1;
    }
    let groupNegatives = 0;
    while (nextNegative >= 0 && negative[nextNegative] === threshold) {
      groupNegatives += 1;
      nextNegative -= 1;
    }
    into.addGroup(groupPositives, groupNegatives);
  }
}
