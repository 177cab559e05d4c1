import type { ColumnInfo, Row } from '../data/engine.js';
import { type CategoryCounts, type DriftMethod, type DriftTestResult, driftTestSorted } from '../statistics/index.js';
import { isNumericKind, storedKind } from './columns.js';
import { type ColumnDistribution, numericDistribution } from './distribution.js';
import {
  columnMethod,
  concludeDrift,
  countsAgainstProfile,
  type DriftResult,
  type DriftRowFields,
  driftCandidates,
  driftRow,
  exactProfileValues,
  FEW_NUMERIC_VALUES,
  OTHER_VALUES,
  recordCountedColumn,
  skipReason,
  typingsFromProfile,
} from './drift.js';
import { type ColumnProfile, type DataProfile, valueCounts } from './profile.js';
import type { ColumnType, DriftSettings } from './suite.js';

/** A numeric column's finite values, sorted: exact when the profile kept or counted them, else its quantile grid. */
function sortedValues(profile: ColumnProfile): { values: Float64Array; exact: boolean } {
  const exact = exactProfileValues(profile);
  if (exact) return { values: exact, exact: true };
  const grid = Float64Array.from((profile.quantiles ?? []).filter((value) => Number.isFinite(value))).sort();
  return { values: grid, exact: false };
}

/** A profile's column as the (`v`, `n`) rows a group-by of the data would give, when it counted its values. */
function countedValues(profile: ColumnProfile, numeric: boolean): Row[] | undefined {
  if (profile.top && (!numeric || profile.kind !== 'numeric'))
    return profile.top.map((item) => ({ v: item.value, n: item.count }));
  const exact = numeric ? exactProfileValues(profile) : undefined;
  return exact ? valueCounts(exact).map((item) => ({ v: item.value, n: item.count })) : undefined;
}

/**
 * Both profiles' category counts: the current profile's kept values set against the reference's (as the data's
 * would be), and the current profile's own "other" count added to the other values.
 */
function countsBetweenProfiles(
  reference: ColumnProfile,
  current: ColumnProfile,
  numeric: boolean,
): CategoryCounts | undefined {
  const rows = countedValues(current, numeric);
  if (!rows) return undefined;
  const counts = countsAgainstProfile(reference, rows, numeric);
  if (!current.otherCount) return counts;
  const at = counts.categories.indexOf(OTHER_VALUES);
  if (at < 0) {
    counts.categories.push(OTHER_VALUES);
    counts.referenceCounts.push(0);
    counts.currentCounts.push(current.otherCount);
  } else counts.currentCounts[at] = (counts.currentCounts[at] ?? 0) + current.otherCount;
  counts.currentSize += current.otherCount;
  return counts;
}

/** Distinct finite values of both sides, as far as the method thresholds need them (see drift.ts). */
function distinctInBoth(reference: ColumnProfile, current: ColumnProfile): number {
  if (current.distinct > FEW_NUMERIC_VALUES) return current.distinct;
  const referenceValues = exactProfileValues(reference);
  const currentValues = exactProfileValues(current);
  if (!referenceValues || !currentValues) return Math.max(current.distinct, reference.distinct);
  return new Set([...referenceValues, ...currentValues]).size;
}

export interface ProfileDriftOptions {
  settings: DriftSettings;
  /** Column types a suite declares (they decide Evidently's typing as with data). */
  declared?: ReadonlyMap<string, ColumnType>;
  /** Columns unique on their own (keys): left out unless the settings name them. */
  keys?: ReadonlySet<string>;
  /** The current data was read from text (CSV, JSON): dates are typed as strings, as pandas reads them. */
  fromText?: boolean;
}

/**
 * Drift of the data one profile describes against the data another describes, with neither at hand: a
 * release's training data against the training data of the model before it. The columns, typing, tests and
 * thresholds are those computeDrift gives the current data against the reference profile. A numeric test is
 * exact where both profiles kept or counted every value; otherwise it runs on the quantile grid of the side that
 * did not (`approximate`). Categories beyond a profile's kept set are compared as one "other values" count.
 * The current profile's distinct counts of text are HyperLogLog estimates, where the data would count a column
 * near the text boundary exactly.
 */
export function profileDrift(reference: DataProfile, current: DataProfile, options: ProfileDriftOptions): DriftResult {
  const { settings, declared = new Map(), keys = new Set<string>(), fromText = true } = options;
  const infos: ColumnInfo[] = current.columns.map((column) => ({ name: column.name, type: column.type }));
  const currentColumns = new Map(current.columns.map((column) => [column.name, column]));
  const referenceColumns = new Map(reference.columns.map((column) => [column.name, column]));
  const typings = typingsFromProfile(infos, currentColumns, declared, new Map(), fromText);
  const result: DriftResult = { columns: [], skipped: [], share: 0, datasetDrift: false, settings };
  const inBoth = driftCandidates(undefined, settings, infos, [...referenceColumns.keys()]);
  const named = settings.columns === 'all' ? inBoth : [...new Set(settings.columns)];
  for (const name of named.filter((column) => !inBoth.includes(column)))
    result.skipped.push({ column: name, reason: 'not in both profiles' });
  for (const name of named.filter((column) => inBoth.includes(column))) {
    const typing = typings.get(name)!;
    const reason = skipReason(name, typing, settings, keys);
    if (reason) {
      result.skipped.push({ column: name, reason });
      continue;
    }
    const referenceColumn = referenceColumns.get(name)!;
    const currentColumn = currentColumns.get(name)!;
    const kind = typing.type === 'numerical' ? 'numeric' : 'categorical';
    const numericKeys = isNumericKind(storedKind(currentColumn.type));
    const counts =
      kind === 'categorical' ? countsBetweenProfiles(referenceColumn, currentColumn, numericKeys) : undefined;
    if (kind === 'categorical' && !counts) {
      result.skipped.push({ column: name, reason: 'the current profile kept no counts of its values' });
      continue;
    }
    const distinct = counts?.categories.length ?? distinctInBoth(referenceColumn, currentColumn);
    const referenceSize = Math.max(0, referenceColumn.count - (referenceColumn.nonFinite ?? 0));
    const { choice, threshold, why } = columnMethod(undefined, settings, {
      name,
      typing,
      kind,
      referenceSize,
      distinct,
    });
    let outcome: DriftTestResult;
    let approximate = false;
    let distribution: ColumnDistribution | undefined;
    const nonFinite = (referenceColumn.nonFinite ?? 0) + (currentColumn.nonFinite ?? 0);
    if (kind === 'numeric' && choice.method !== 'chisquare' && choice.method !== 'z') {
      const before = sortedValues(referenceColumn);
      const now = sortedValues(currentColumn);
      if (before.values.length === 0 || now.values.length === 0) {
        result.skipped.push({ column: name, reason: 'no values on one side' });
        continue;
      }
      approximate = !before.exact || !now.exact;
      const method = choice.method as Exclude<DriftMethod, 'chisquare' | 'z'>;
      outcome = driftTestSorted(method, before.values, now.values, threshold);
      if (outcome.drifted) distribution = numericDistribution(before.values, now.values);
    } else {
      const row: DriftRowFields = { column: name, kind, approximate, why, nonFinite };
      recordCountedColumn(
        result,
        row,
        choice.method,
        counts ?? countsBetweenProfiles(referenceColumn, currentColumn, numericKeys),
        threshold,
      );
      continue;
    }
    result.columns.push(driftRow({ column: name, kind, approximate, why, nonFinite }, outcome, distribution));
  }
  return concludeDrift(result);
}
