import { ConfigurationError } from '../errors/index.js';
import { type BinaryConfusion, type BinaryMetrics, binaryLogLossTerm, ratesFromConfusion } from './binary.js';
import {
  type ClassOptions,
  countMatrix,
  type MulticlassMetrics,
  multiclassLogLossSum,
  type ProbabilityMatrix,
  positionsOf,
  probabilityColumns,
  scoresFromConfusion,
} from './multiclass.js';
import { RankingAccumulator, sortedScoresByClass } from './ranking.js';
import { assertR2Defined, MAPE_EPS, type RegressionMetrics, r2FromSums } from './regression.js';
import {
  assertBothClasses,
  assertFinite,
  assertFiniteOption,
  assertProbabilities,
  assertSameLength,
  CompensatedSum,
  countBinaryLabels,
  type Labels,
  type Values,
} from './validate.js';

/*
 * Mergeable partial statistics for sharded evaluation: each shard turns its rows into a small JSON-serialisable
 * partial, `mergePartials` adds partials up, and `metricsFromPartial` computes the metrics of the union.
 *
 * Counting metrics (confusion counts, accuracy, precision, recall, F1) and the sums behind log loss, Brier, MAE,
 * MSE, MAPE and R² merge exactly (up to float addition order). ROC AUC and average precision need the joint order
 * of scores, which a partial keeps in one of two forms:
 * - exact: the sorted distinct scores with their positive and negative counts, kept while there are at most
 *   `exactLimit` distinct scores (merged partials too). Metrics are then exactly sklearn's.
 * - histogram: counts per cell of a grid of `resolution` steps over `range` (default 2^16 steps over [0, 1]); cell
 *   index = round((s − lo) / (hi − lo) · resolution), so there are resolution + 1 cells and every grid point
 *   lo + k·(hi − lo)/resolution has a cell of its own. Scores in one cell are treated as tied.
 *
 * Error bound of the histogram ROC AUC (returned as `rocAucErrorBound`): the cell map is monotone, so a
 * positive-negative pair in different cells keeps its order and counts exactly as in sklearn. A pair in the same
 * cell counts ½ where the exact AUC counts 0, ½ or 1, so
 *     |AUC_hist − AUC| ≤ ½ · Σ_cells pos_c · neg_c / (P · N),
 * half the share of positive-negative pairs that fall in one cell. For continuous scores with densities f+ and f−
 * this is about ½ · ∫ f+ f− ds · (hi − lo) / resolution, i.e. it shrinks linearly with the resolution. It is 0 error
 * (though the bound stays conservative) when every cell holds a single distinct score, e.g. scores already on the
 * grid or rounded to a coarser grid. Average precision gets a bound of the same kind (`prAucErrorBound`): each
 * positive's precision lies between its cell's lowest and highest attainable precision, for the exact order and for
 * the cell-tied value alike.
 */

/** Sorted distinct scores with their class counts. */
export interface ExactScoreCounts {
  mode: 'exact';
  scores: number[];
  positives: number[];
  negatives: number[];
}

/** Non-empty cells of the score grid, ascending, with their class counts. */
export interface ScoreHistogram {
  mode: 'histogram';
  cells: number[];
  positives: number[];
  negatives: number[];
}

export interface RankingSettings {
  resolution: number;
  range: [number, number];
  exactLimit: number;
}

export interface BinaryPartial {
  kind: 'binary';
  version: 1;
  threshold: number;
  inclusive: boolean;
  probabilities: boolean;
  settings: RankingSettings;
  count: number;
  positives: number;
  confusion: BinaryConfusion;
  /** Σ log-loss terms and Σ squared errors; null when the scores are not probabilities. */
  logLossSum: number | null;
  brierSum: number | null;
  ranking: ExactScoreCounts | ScoreHistogram;
}

export interface MulticlassPartial {
  kind: 'multiclass';
  version: 1;
  classes: number[];
  count: number;
  /** Row-major confusion counts, rows true class, columns predicted class. */
  confusion: number[];
  logLossSum: number | null;
}

export interface RegressionPartial {
  kind: 'regression';
  version: 1;
  count: number;
  absoluteErrorSum: number;
  squaredErrorSum: number;
  percentageErrorSum: number;
  /** Mean and sum of squared deviations of y_true (Chan et al.'s mergeable form, for R²'s denominator). */
  trueMean: number;
  trueSquaredDeviations: number;
}

export type MetricsPartial = BinaryPartial | MulticlassPartial | RegressionPartial;

export interface BinaryPartialOptions {
  threshold?: number;
  inclusive?: boolean;
  /** Scores are probabilities (default true): log loss and Brier sums are kept. */
  probabilities?: boolean;
  /** Grid steps of the histogram (default 2^16, between 2^4 and 2^24). */
  resolution?: number;
  /** The score range of the grid (default [0, 1]); every shard must use the same. */
  range?: [number, number];
  /** Most distinct scores kept exactly (default 2^16). */
  exactLimit?: number;
}

export interface BinaryPartialMetrics extends BinaryMetrics {
  /** True when ROC AUC and PR AUC come from exact score counts (equal to sklearn's). */
  exact: boolean;
  /** Upper bound on |rocAuc − sklearn's|; 0 when exact. */
  rocAucErrorBound: number;
  /** Upper bound on |prAuc − sklearn's|; 0 when exact. */
  prAucErrorBound: number;
}

/** Multiclass metrics of merged shards: the same as from the whole data. */
export type MulticlassPartialMetrics = MulticlassMetrics;

/** Regression metrics of merged shards; the median absolute error is not mergeable and is left out. */
export type RegressionPartialMetrics = Omit<RegressionMetrics, 'medianAbsoluteError'>;

const DEFAULT_RESOLUTION = 2 ** 16;

function resolveSettings(options: BinaryPartialOptions): RankingSettings {
  const resolution = options.resolution ?? DEFAULT_RESOLUTION;
  if (!Number.isInteger(resolution) || resolution < 2 ** 4 || resolution > 2 ** 24) {
    throw new ConfigurationError(
      `resolution must be an integer between 16 and 16777216 (2^24), got ${resolution}; 65536 (2^16) is the default.`,
    );
  }
  const range = options.range ?? [0, 1];
  const [low, high] = range;
  if (!(Number.isFinite(low) && Number.isFinite(high) && low < high)) {
    throw new ConfigurationError(`range must be two finite numbers [low, high] with low < high, got [${range}].`);
  }
  const exactLimit = options.exactLimit ?? DEFAULT_RESOLUTION;
  if (!Number.isInteger(exactLimit) || exactLimit < 0) {
    throw new ConfigurationError(`exactLimit must be a non-negative integer, got ${exactLimit}.`);
  }
  return { resolution, range: [low, high], exactLimit };
}

function cellOf(score: number, settings: RankingSettings): number {
  const [low, high] = settings.range;
  return Math.round(((score - low) / (high - low)) * settings.resolution);
}

/** Dense class counts per cell, filled by scores or by other partials, then made sparse. */
class DenseHistogram {
  readonly positives: Float64Array;
  readonly negatives: Float64Array;

  constructor(private readonly settings: RankingSettings) {
    this.positives = new Float64Array(settings.resolution + 1);
    this.negatives = new Float64Array(settings.resolution + 1);
  }

  addScore(score: number, positives: number, negatives: number): void {
    const cell = cellOf(score, this.settings);
    this.positives[cell]! += positives;
    this.negatives[cell]! += negatives;
  }

  addRanking(ranking: ExactScoreCounts | ScoreHistogram): void {
    for (let index = 0; index < ranking.positives.length; index += 1) {
      const cell = ranking.mode === 'exact' ? cellOf(ranking.scores[index]!, this.settings) : ranking.cells[index]!;
      this.positives[cell]! += ranking.positives[index]!;
      this.negatives[cell]! += ranking.negatives[index]!;
    }
  }

  toSparse(): ScoreHistogram {
    const histogram: ScoreHistogram = { mode: 'histogram', cells: [], positives: [], negatives: [] };
    for (let cell = 0; cell < this.positives.length; cell += 1) {
      if (this.positives[cell]! > 0 || this.negatives[cell]! > 0) {
        histogram.cells.push(cell);
        histogram.positives.push(this.positives[cell]!);
        histogram.negatives.push(this.negatives[cell]!);
      }
    }
    return histogram;
  }
}

function outOfRange(settings: RankingSettings, scores: ArrayLike<number>): number {
  const [low, high] = settings.range;
  for (let index = 0; index < scores.length; index += 1) {
    const score = scores[index]!;
    if (score < low || score > high) return index;
  }
  return -1;
}

function rangeError(score: number, settings: RankingSettings, distinct: string): ConfigurationError {
  return new ConfigurationError(
    `score ${score} is outside the histogram range [${settings.range}] and ${distinct} distinct scores are more than ` +
      `exactLimit (${settings.exactLimit}) can keep exactly: pass a range that covers every shard's scores ` +
      '(the same on all shards), or a larger exactLimit.',
  );
}

/** Exact counts when the shard has few distinct scores, else a histogram (scores must then lie in the range). */
function rankingOfShard(
  yTrue: Labels,
  yScore: Values,
  positives: number,
  settings: RankingSettings,
): ExactScoreCounts | ScoreHistogram {
  const outside = outOfRange(settings, yScore);
  if (outside < 0) {
    // One pass: bin every score, and note whether any cell saw two different scores.
    const histogram = new DenseHistogram(settings);
    const cellScore = new Float64Array(settings.resolution + 1).fill(Number.NaN);
    let collision = false;
    for (let index = 0; index < yTrue.length; index += 1) {
      const score = yScore[index]!;
      const cell = cellOf(score, settings);
      const positive = yTrue[index] === 1 ? 1 : 0;
      histogram.positives[cell]! += positive;
      histogram.negatives[cell]! += 1 - positive;
      const seen = cellScore[cell]!;
      if (Number.isNaN(seen)) cellScore[cell] = score;
      else if (seen !== score) collision = true;
    }
    const sparse = histogram.toSparse();
    if (collision || sparse.cells.length > settings.exactLimit) return sparse;
    return {
      mode: 'exact',
      scores: sparse.cells.map((cell) => cellScore[cell]!),
      positives: sparse.positives,
      negatives: sparse.negatives,
    };
  }
  const exact = exactCountsBySorting(yTrue, yScore, positives);
  if (exact.scores.length > settings.exactLimit) {
    throw rangeError(yScore[outside]!, settings, `this shard's ${exact.scores.length}`);
  }
  return exact;
}

function exactCountsBySorting(yTrue: Labels, yScore: Values, positives: number): ExactScoreCounts {
  const { positive, negative } = sortedScoresByClass(yTrue, yScore, positives);
  const counts: ExactScoreCounts = { mode: 'exact', scores: [], positives: [], negatives: [] };
  let nextPositive = 0;
  let nextNegative = 0;
  while (nextPositive < positive.length || nextNegative < negative.length) {
    const low = Math.min(
      nextPositive < positive.length ? positive[nextPositive]! : Number.POSITIVE_INFINITY,
      nextNegative < negative.length ? negative[nextNegative]! : Number.POSITIVE_INFINITY,
    );
    let groupPositives = 0;
    let groupNegatives = 0;
    while (nextPositive < positive.length && positive[nextPositive] === low) {
      groupPositives += 1;
      nextPositive += 1;
    }
    while (nextNegative < negative.length && negative[nextNegative] === low) {
      groupNegatives += 1;
      nextNegative += 1;
    }
    counts.scores.push(low);
    counts.positives.push(groupPositives);
    counts.negatives.push(groupNegatives);
  }
  return counts;
}

/** One shard's binary partial. Shards may hold a single class; the merged data needs both for ROC/PR AUC. */
export function binaryPartial(yTrue: Labels, yScore: Values, options: BinaryPartialOptions = {}): BinaryPartial {
  assertSameLength('yTrue', yTrue, 'yScore', yScore);
  const positives = countBinaryLabels('yTrue', yTrue);
  assertFinite('yScore', yScore);
  const probabilities = options.probabilities ?? true;
  if (probabilities) assertProbabilities('yScore', yScore);
  const threshold = options.threshold ?? 0.5;
  assertFiniteOption('threshold', threshold);
  const inclusive = options.inclusive ?? true;
  const settings = resolveSettings(options);

  let tp = 0;
  let fp = 0;
  const logLoss = new CompensatedSum();
  const brier = new CompensatedSum();
  for (let index = 0; index < yTrue.length; index += 1) {
    const label = yTrue[index]!;
    const score = yScore[index]!;
    if (inclusive ? score >= threshold : score > threshold) {
      if (label === 1) tp += 1;
      else fp += 1;
    }
    if (probabilities) {
      logLoss.add(binaryLogLossTerm(label, score));
      brier.add((label - score) * (label - score));
    }
  }
  return {
    kind: 'binary',
    version: 1,
    threshold,
    inclusive,
    probabilities,
    settings,
    count: yTrue.length,
    positives,
    confusion: { tn: yTrue.length - positives - fp, fp, fn: positives - tp, tp },
    logLossSum: probabilities ? logLoss.value : null,
    brierSum: probabilities ? brier.value : null,
    ranking: rankingOfShard(yTrue, yScore, positives, settings),
  };
}

/** One shard's multiclass partial; `classes` is required so that every shard counts into the same matrix. */
export function multiclassPartial(
  yTrue: Labels,
  yPred: Labels,
  options: Required<ClassOptions> & { probabilities?: ProbabilityMatrix },
): MulticlassPartial {
  assertSameLength('yTrue', yTrue, 'yPred', yPred);
  const classes = Array.from(options.classes);
  if (classes.length === 0 || new Set(classes).size !== classes.length) {
    throw new ConfigurationError(`classes must list each class once, got [${classes.join(', ')}].`);
  }
  const trueIndex = positionsOf('yTrue', yTrue, classes);
  const confusion = Array.from(countMatrix(trueIndex, positionsOf('yPred', yPred, classes), classes.length));
  let logLossSum: number | null = null;
  if (options.probabilities !== undefined) {
    logLossSum = multiclassLogLossSum(
      trueIndex,
      probabilityColumns(options.probabilities, yTrue.length, classes.length),
    );
  }
  return { kind: 'multiclass', version: 1, classes, count: yTrue.length, confusion, logLossSum };
}

/** One shard's regression partial. */
export function regressionPartial(yTrue: Values, yPred: Values): RegressionPartial {
  assertSameLength('yTrue', yTrue, 'yPred', yPred);
  assertFinite('yTrue', yTrue);
  assertFinite('yPred', yPred);
  const absolute = new CompensatedSum();
  const squared = new CompensatedSum();
  const percentage = new CompensatedSum();
  const total = new CompensatedSum();
  for (let index = 0; index < yTrue.length; index += 1) {
    const actual = yTrue[index]!;
    const error = yPred[index]! - actual;
    absolute.add(Math.abs(error));
    squared.add(error * error);
    percentage.add(Math.abs(error) / Math.max(Math.abs(actual), MAPE_EPS));
    total.add(actual);
  }
  const trueMean = yTrue.length === 0 ? 0 : total.value / yTrue.length;
  const deviations = new CompensatedSum();
  for (let index = 0; index < yTrue.length; index += 1) deviations.add((yTrue[index]! - trueMean) ** 2);
  return {
    kind: 'regression',
    version: 1,
    count: yTrue.length,
    absoluteErrorSum: absolute.value,
    squaredErrorSum: squared.value,
    percentageErrorSum: percentage.value,
    trueMean,
    trueSquaredDeviations: deviations.value,
  };
}

function mismatch(what: string, first: unknown, other: unknown): ConfigurationError {
  return new ConfigurationError(
    `cannot merge partials with different ${what} (${JSON.stringify(first)} and ${JSON.stringify(other)}): ` +
      'compute every shard with the same options.',
  );
}

function sumOrNull(values: (number | null)[]): number | null {
  return values.some((value) => value === null) ? null : values.reduce<number>((sum, value) => sum + value!, 0);
}

function mergeBinary(partials: BinaryPartial[]): BinaryPartial {
  const first = partials[0]!;
  for (const other of partials) {
    for (const key of ['threshold', 'inclusive', 'probabilities'] as const) {
      if (other[key] !== first[key]) throw mismatch(key, first[key], other[key]);
    }
    const grid = (settings: RankingSettings) => ({ resolution: settings.resolution, range: settings.range });
    if (JSON.stringify(grid(other.settings)) !== JSON.stringify(grid(first.settings))) {
      throw mismatch('histogram grids', grid(first.settings), grid(other.settings));
    }
  }
  // Shards may differ in how many distinct scores they keep exactly; the union keeps the smallest promise.
  const settings = {
    ...first.settings,
    exactLimit: Math.min(...partials.map((partial) => partial.settings.exactLimit)),
  };
  const confusion = { tn: 0, fp: 0, fn: 0, tp: 0 };
  for (const { confusion: shard } of partials) {
    confusion.tn += shard.tn;
    confusion.fp += shard.fp;
    confusion.fn += shard.fn;
    confusion.tp += shard.tp;
  }
  return {
    ...first,
    settings,
    count: partials.reduce((sum, partial) => sum + partial.count, 0),
    positives: partials.reduce((sum, partial) => sum + partial.positives, 0),
    confusion,
    logLossSum: sumOrNull(partials.map((partial) => partial.logLossSum)),
    brierSum: sumOrNull(partials.map((partial) => partial.brierSum)),
    ranking: mergeRankings(
      partials.map((partial) => partial.ranking),
      settings,
    ),
  };
}

function mergeRankings(
  rankings: (ExactScoreCounts | ScoreHistogram)[],
  settings: RankingSettings,
): ExactScoreCounts | ScoreHistogram {
  if (rankings.every((ranking) => ranking.mode === 'exact')) {
    const byScore = new Map<number, [number, number]>();
    for (const ranking of rankings) {
      for (const [index, score] of ranking.scores.entries()) {
        const counts = byScore.get(score) ?? [0, 0];
        counts[0] += ranking.positives[index]!;
        counts[1] += ranking.negatives[index]!;
        byScore.set(score, counts);
      }
    }
    const scores = [...byScore.keys()].sort((left, right) => left - right);
    if (scores.length <= settings.exactLimit) {
      return {
        mode: 'exact',
        scores,
        positives: scores.map((score) => byScore.get(score)![0]),
        negatives: scores.map((score) => byScore.get(score)![1]),
      };
    }
    const outside = outOfRange(settings, scores);
    if (outside >= 0) throw rangeError(scores[outside]!, settings, `the merged ${scores.length}`);
  } else {
    for (const ranking of rankings) {
      const outside = ranking.mode === 'exact' ? outOfRange(settings, ranking.scores) : -1;
      if (outside >= 0) {
        throw new ConfigurationError(
          `score ${(ranking as ExactScoreCounts).scores[outside]} of one shard is outside the histogram range ` +
            `[${settings.range}] that another shard's histogram uses: pass a range that covers every shard's scores.`,
        );
      }
    }
  }
  const histogram = new DenseHistogram(settings);
  for (const ranking of rankings) histogram.addRanking(ranking);
  return histogram.toSparse();
}

function mergeMulticlass(partials: MulticlassPartial[]): MulticlassPartial {
  const first = partials[0]!;
  for (const other of partials) {
    if (JSON.stringify(other.classes) !== JSON.stringify(first.classes)) {
      throw mismatch('classes', first.classes, other.classes);
    }
  }
  return {
    ...first,
    count: partials.reduce((sum, partial) => sum + partial.count, 0),
    confusion: first.confusion.map((_, cell) => partials.reduce((sum, partial) => sum + partial.confusion[cell]!, 0)),
    logLossSum: sumOrNull(partials.map((partial) => partial.logLossSum)),
  };
}

function mergeRegression(partials: RegressionPartial[]): RegressionPartial {
  return partials.reduce((merged, shard) => {
    const count = merged.count + shard.count;
    if (count === 0) return merged;
    // Chan, Golub and LeVeque's pairwise update of the mean and the sum of squared deviations.
    const delta = shard.trueMean - merged.trueMean;
    return {
      kind: 'regression',
      version: 1,
      count,
      absoluteErrorSum: merged.absoluteErrorSum + shard.absoluteErrorSum,
      squaredErrorSum: merged.squaredErrorSum + shard.squaredErrorSum,
      percentageErrorSum: merged.percentageErrorSum + shard.percentageErrorSum,
      trueMean: merged.trueMean + (delta * shard.count) / count,
      trueSquaredDeviations:
        merged.trueSquaredDeviations +
        shard.trueSquaredDeviations +
        (delta * delta * merged.count * shard.count) / count,
    };
  });
}

/** Combines shard partials of one kind (computed with the same options) into the partial of their union. */
export function mergePartials<Partial extends MetricsPartial>(partials: readonly Partial[]): Partial {
  if (partials.length === 0) throw new ConfigurationError('mergePartials needs at least one partial; got none.');
  const kind = partials[0]!.kind;
  for (const partial of partials) {
    if (partial.version !== 1) throw mismatch('versions', 1, partial.version);
    if (partial.kind !== kind) throw mismatch('kinds', kind, partial.kind);
  }
  if (kind === 'binary') return mergeBinary(partials as readonly MetricsPartial[] as BinaryPartial[]) as Partial;
  if (kind === 'multiclass')
    return mergeMulticlass(partials as readonly MetricsPartial[] as MulticlassPartial[]) as Partial;
  return mergeRegression(partials as readonly MetricsPartial[] as RegressionPartial[]) as Partial;
}

function assertNotEmpty(count: number): void {
  if (count === 0) {
    throw new ConfigurationError('the merged partials hold no examples: metrics need at least one example.');
  }
}

function binaryFromPartial(partial: BinaryPartial): BinaryPartialMetrics {
  assertNotEmpty(partial.count);
  assertBothClasses('ROC AUC and PR AUC', 'the merged labels', partial.positives, partial.count);
  const { ranking } = partial;
  const accumulator = new RankingAccumulator(ranking.mode === 'histogram');
  for (let index = ranking.positives.length - 1; index >= 0; index -= 1) {
    accumulator.addGroup(ranking.positives[index]!, ranking.negatives[index]!);
  }
  const bounds = accumulator.errorBounds();
  const result: BinaryPartialMetrics = {
    count: partial.count,
    positives: partial.positives,
    threshold: partial.threshold,
    confusion: partial.confusion,
    ...ratesFromConfusion(partial.confusion),
    rocAuc: accumulator.rocAuc(),
    prAuc: accumulator.averagePrecision(),
    exact: ranking.mode === 'exact',
    rocAucErrorBound: bounds.rocAuc,
    prAucErrorBound: bounds.averagePrecision,
  };
  if (partial.logLossSum !== null) result.logLoss = partial.logLossSum / partial.count;
  if (partial.brierSum !== null) result.brier = partial.brierSum / partial.count;
  return result;
}

function multiclassFromPartial(partial: MulticlassPartial): MulticlassPartialMetrics {
  assertNotEmpty(partial.count);
  const size = partial.classes.length;
  const matrix = Array.from({ length: size }, (_, row) => partial.confusion.slice(row * size, (row + 1) * size));
  const confusion = { classes: partial.classes, matrix };
  const result: MulticlassPartialMetrics = {
    count: partial.count,
    classes: partial.classes,
    ...scoresFromConfusion(confusion),
    confusion,
  };
  if (partial.logLossSum !== null) result.logLoss = partial.logLossSum / partial.count;
  return result;
}

function regressionFromPartial(partial: RegressionPartial): RegressionPartialMetrics {
  assertNotEmpty(partial.count);
  assertR2Defined(partial.count);
  const mse = partial.squaredErrorSum / partial.count;
  return {
    count: partial.count,
    mae: partial.absoluteErrorSum / partial.count,
    mse,
    rmse: Math.sqrt(mse),
    r2: r2FromSums(partial.squaredErrorSum, partial.trueSquaredDeviations),
    mape: partial.percentageErrorSum / partial.count,
  };
}

export function metricsFromPartial(partial: BinaryPartial): BinaryPartialMetrics;
export function metricsFromPartial(partial: MulticlassPartial): MulticlassPartialMetrics;
export function metricsFromPartial(partial: RegressionPartial): RegressionPartialMetrics;
export function metricsFromPartial(
  partial: MetricsPartial,
): BinaryPartialMetrics | MulticlassPartialMetrics | RegressionPartialMetrics;
/** The metrics of a (merged) partial. */
export function metricsFromPartial(
  partial: MetricsPartial,
): BinaryPartialMetrics | MulticlassPartialMetrics | RegressionPartialMetrics {
  if (partial.kind === 'binary') return binaryFromPartial(partial);
  if (partial.kind === 'multiclass') return multiclassFromPartial(partial);
  return regressionFromPartial(partial);
}
