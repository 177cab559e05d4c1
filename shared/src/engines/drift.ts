import type { ColumnInfo, Row } from '../data/engine.js';
import {
  asymptoticTwoSided,
  type CategoryCounts,
  chooseDriftMethod,
  DEFAULT_DRIFT_THRESHOLDS,
  type DriftMethod,
  type DriftTestResult,
  decide,
  driftTestFromCounts,
  driftTestSorted,
  finiteRun,
  histogramCountsSorted,
  jensenShannonDistance,
  ksStatisticFromGrid,
  NORMED_WASSERSTEIN_MIN_STD,
  populationStabilityIndex,
  populationStd,
  type SharedGrid,
  sturgesBinEdgesOfRange,
  wassersteinFromGrid,
  weightedPopulationStd,
} from '../statistics/index.js';
import type { ColumnProfile, DataProfile, DriftSettings, Suite, SuiteDriftMethod } from '../validation/index.js';
import {
  type ColumnDistribution,
  type ColumnDrift,
  categoricalDistribution,
  columnsToCountExactly,
  countsAgainstProfile,
  type DriftResult,
  type DriftTyping,
  declaredTypes,
  driftCandidates,
  driftMethodName,
  exactProfileValues,
  FEW_NUMERIC_VALUES,
  isNumericKind,
  keyText,
  methodReason,
  NUMERIC_ONLY,
  numericDistribution,
  skipReason,
  storedKind,
  toCounts,
  typingsFromProfile,
  uniqueKeys,
} from '../validation/index.js';
import type { RemoteSource } from './source.js';
import type { RemoteSession } from './tables.js';

/** A table on the engine: where it is, which input named it, its columns and rows. */
export interface RemoteTable {
  source: RemoteSource;
  input: string;
  columns: readonly ColumnInfo[];
  rows: number;
}

export type RemoteReference = { kind: 'table'; table: RemoteTable } | { kind: 'profile'; profile: DataProfile };

export interface RemoteDriftOptions {
  /** Tables up to this many rows have numeric columns fetched sorted: exact statistics, as DuckDB's. */
  exactRows: number;
  /** Cells of the shared grid past that: the distinct values when there are at most this many, else intervals. */
  gridCells: number;
}

/** Up to this many values on both sides, a grid of distinct values is expanded into the samples it stands for. */
const EXPAND_MAX_VALUES = 5_000_000;

/** Each side of a numeric comparison: counted in the engine, or values the runner holds (a profile's). */
type NumericSide = { kind: 'engine'; table: RemoteTable } | { kind: 'values'; values: Float64Array };

function finiteDouble(session: RemoteSession, name: string): string {
  return session.dialect.asDouble(session.dialect.identifier(name));
}

/**
 * `side` tags ('c' current, 'r' reference) and doubles of a column, over the sides the engine holds, as one derived
 * table `sides(v, side)`: a reference of values held here is counted by the caller.
 */
function unionOfSides(session: RemoteSession, name: string, current: RemoteTable, reference: NumericSide): string {
  const value = finiteDouble(session, name);
  const sides: [string, RemoteTable][] = [['c', current]];
  if (reference.kind === 'engine') sides.push(['r', reference.table]);
  return sides
    .map(([tag, table]) => `SELECT ${value} AS v, ${session.dialect.literal(tag)} AS side FROM ${table.source.from}`)
    .join(' UNION ALL ');
}

/** Runs a query over both tables; an error names the current table's input (both are on one engine). */
function rowsOf(session: RemoteSession, sql: string, table: RemoteTable): Promise<Row[]> {
  return session.rows(sql, table.input, table.source);
}

/** Counts of each value on each side: a grid of points, or undefined when there are more than `cells` values. */
async function pointGrid(
  session: RemoteSession,
  name: string,
  reference: NumericSide,
  current: RemoteTable,
  cells: number,
): Promise<SharedGrid | undefined> {
  const { dialect } = session;
  const rows = await rowsOf(
    session,
    `SELECT v, ${dialect.countIf("side = 'r'")} AS r, ${dialect.countIf("side = 'c'")} AS c FROM (${unionOfSides(session, name, current, reference)}) AS sides WHERE ${dialect.isFinite('v')} GROUP BY v ORDER BY v LIMIT ${cells + 1}`,
    current,
  );
  const counts = new Map<number, [number, number]>(rows.map((row) => [Number(row.v), [Number(row.r), Number(row.c)]]));
  if (reference.kind === 'values') {
    for (const value of reference.values) {
      const entry = counts.get(value) ?? [0, 0];
      entry[0] += 1;
      counts.set(value, entry);
    }
  }
  if (rows.length > cells || counts.size > cells) return undefined;
  const positions = Float64Array.from(counts.keys()).sort();
  return {
    points: true,
    positions,
    reference: positions.map((value) => (counts.get(value) as [number, number])[0]),
    current: positions.map((value) => (counts.get(value) as [number, number])[1]),
  };
}

/** Counts per interval of `cells` equal intervals over the finite range of both sides. */
async function intervalGrid(
  session: RemoteSession,
  name: string,
  reference: NumericSide,
  current: RemoteTable,
  cells: number,
): Promise<SharedGrid> {
  const { dialect } = session;
  const union = unionOfSides(session, name, current, reference);
  const finite = dialect.isFinite('v');
  const [range = {}] = await rowsOf(
    session,
    `SELECT min(v) AS lo, max(v) AS hi FROM (${union}) AS sides WHERE ${finite}`,
    current,
  );
  let low = Number(range.lo);
  let high = Number(range.hi);
  if (reference.kind === 'values') {
    low = Math.min(low, reference.values[0] as number);
    high = Math.max(high, reference.values[reference.values.length - 1] as number);
  }
  const width = (high - low) / cells;
  const positions = Float64Array.from({ length: cells + 1 }, (_, index) =>
    index === cells ? high : low + index * width,
  );
  const referenceCounts = new Float64Array(cells);
  const currentCounts = new Float64Array(cells);
  const cell = `LEAST(CAST(floor((v - ${dialect.number(low)}) / ${dialect.number(width)}) AS BIGINT), ${cells - 1})`;
  const rows = await rowsOf(
    session,
    `SELECT side, ${cell} AS cell, count(*) AS n FROM (${union}) AS sides WHERE ${finite} GROUP BY side, ${cell}`,
    current,
  );
  for (const row of rows) {
    const into = row.side === 'r' ? referenceCounts : currentCounts;
    const index = Math.min(Math.max(Number(row.cell), 0), cells - 1);
    into[index] = (into[index] as number) + Number(row.n);
  }
  if (reference.kind === 'values') {
    for (const value of reference.values) {
      const index = Math.min(Math.max(Math.floor((value - low) / width), 0), cells - 1);
      referenceCounts[index] = (referenceCounts[index] as number) + 1;
    }
  }
  return { points: false, positions, reference: referenceCounts, current: currentCounts };
}

/** The samples a grid of points stands for, each value repeated as often as counted. */
function expand(positions: Float64Array, counts: Float64Array): Float64Array {
  let total = 0;
  for (const count of counts) total += count;
  const values = new Float64Array(total);
  let at = 0;
  positions.forEach((value, index) => {
    const count = counts[index] as number;
    values.fill(value, at, at + count);
    at += count;
  });
  return values;
}

const sum = (counts: Float64Array) => counts.reduce((total, count) => total + count, 0);

/** The display distribution of a drifted column from its grid: each cell goes to the bin its position falls in. */
function gridDistribution(grid: SharedGrid): ColumnDistribution {
  const bins = 10;
  const low = grid.positions[0] as number;
  const high = grid.positions[grid.positions.length - 1] as number;
  const count = high > low ? bins : 1;
  const width = (high - low) / count;
  const edges = Array.from({ length: count + 1 }, (_, index) => (index === count ? high : low + index * width));
  const shares = (counts: Float64Array) => {
    const total = sum(counts);
    const binned = new Array<number>(count).fill(0);
    counts.forEach((n, cell) => {
      const at = grid.points
        ? (grid.positions[cell] as number)
        : ((grid.positions[cell] as number) + (grid.positions[cell + 1] as number)) / 2;
      const bin = Math.min(Math.max(Math.floor((at - low) / (width || 1)), 0), count - 1);
      binned[bin] = (binned[bin] as number) + n / total;
    });
    return binned;
  };
  return { kind: 'numeric', edges, reference: shares(grid.reference), current: shares(grid.current) };
}

/**
 * Each side's count per Sturges bin, as Evidently bins both samples for PSI and Jensen-Shannon: the edges need only
 * the least, greatest and number of finite values of both sides together (one aggregate), then the engine counts
 * each bin against those edges (a CASE on the edges as literals, so no rounding of a computed bin index can move a
 * value across an edge).
 */
async function sturgesGrid(
  session: RemoteSession,
  name: string,
  reference: NumericSide,
  current: RemoteTable,
): Promise<SharedGrid | undefined> {
  const { dialect } = session;
  const union = unionOfSides(session, name, current, reference);
  const finite = dialect.isFinite('v');
  const [range = {}] = await rowsOf(
    session,
    `SELECT min(v) AS lo, max(v) AS hi, count(*) AS n FROM (${union}) AS sides WHERE ${finite}`,
    current,
  );
  const held = reference.kind === 'values' ? reference.values : new Float64Array(0);
  const size = Number(range.n ?? 0) + held.length;
  if (Number(range.n ?? 0) === 0 || size === held.length) return undefined;
  const least = Math.min(Number(range.lo), ...(held.length > 0 ? [held[0] as number] : []));
  const greatest = Math.max(Number(range.hi), ...(held.length > 0 ? [held[held.length - 1] as number] : []));
  const edges = sturgesBinEdgesOfRange(least, greatest, size);
  const bins = edges.length - 1;
  const cases = Array.from(edges.subarray(1, bins), (edge, bin) => `WHEN v < ${dialect.number(edge)} THEN ${bin}`);
  const bin = cases.length > 0 ? `CASE ${cases.join(' ')} ELSE ${bins - 1} END` : '0';
  const rows = await rowsOf(
    session,
    `SELECT side, bin, count(*) AS n FROM (SELECT side, ${bin} AS bin FROM (${union}) AS sides WHERE ${finite}) AS binned GROUP BY side, bin`,
    current,
  );
  const grid: SharedGrid = {
    points: false,
    positions: edges,
    reference: reference.kind === 'values' ? histogramCountsSorted(held, edges) : new Float64Array(bins),
    current: new Float64Array(bins),
  };
  for (const row of rows) {
    const into = row.side === 'r' ? grid.reference : grid.current;
    into[Number(row.bin)] = (into[Number(row.bin)] as number) + Number(row.n);
  }
  return grid;
}

/** PSI or Jensen-Shannon from each side's counts per Sturges bin: the shares Evidently compares, exactly. */
function binnedTest(method: 'psi' | 'jensenshannon', grid: SharedGrid, threshold: number): DriftTestResult {
  const referenceTotal = sum(grid.reference);
  const currentTotal = sum(grid.current);
  const referenceShares = grid.reference.map((count) => count / referenceTotal);
  const currentShares = grid.current.map((count) => count / currentTotal);
  const statistic =
    method === 'psi'
      ? populationStabilityIndex(referenceShares, currentShares)
      : jensenShannonDistance(referenceShares, currentShares);
  return decide(method, statistic, undefined, threshold);
}

interface NumericOutcome {
  outcome: DriftTestResult;
  approximate: boolean;
  bound?: number;
  distribution?: ColumnDistribution;
}

/** KS or normed Wasserstein from a grid; the bound is the grid's (0 on points). */
function gridTest(
  method: 'ks' | 'wasserstein',
  grid: SharedGrid,
  threshold: number,
  referenceStd: number,
): { outcome: DriftTestResult; bound: number } {
  if (method === 'ks') {
    const { statistic, bound } = ksStatisticFromGrid(grid);
    return {
      outcome: decide(
        'ks',
        statistic,
        asymptoticTwoSided(sum(grid.reference), sum(grid.current), statistic),
        threshold,
      ),
      bound,
    };
  }
  const { statistic, bound } = wassersteinFromGrid(grid);
  const scale = Math.max(referenceStd, NORMED_WASSERSTEIN_MIN_STD);
  return { outcome: decide('wasserstein', statistic / scale, undefined, threshold), bound: bound / scale };
}

async function sortedFinite(session: RemoteSession, name: string, table: RemoteTable): Promise<Float64Array> {
  const value = finiteDouble(session, name);
  const rows = await rowsOf(
    session,
    `SELECT v FROM (SELECT ${value} AS v FROM ${table.source.from}) AS values_of WHERE ${session.dialect.isFinite('v')} ORDER BY v`,
    table,
  );
  return Float64Array.from(rows, (row) => Number(row.v));
}

/**
 * A numeric column's test. Both sides small (≤ exactRows): their sorted values, as DuckDB. Otherwise a grid
 * shared by both sides: each distinct value a cell while there are at most `gridCells` (exact; expanded into the
 * samples when they fit, so every method and p-value is DuckDB's), else PSI and Jensen-Shannon on Evidently's
 * Sturges bins counted in the engine (exact), KS and Wasserstein on equal intervals (approximate within the stated
 * bound).
 */
async function numericTest(
  session: RemoteSession,
  name: string,
  method: Exclude<DriftMethod, 'chisquare' | 'z'>,
  threshold: number,
  current: RemoteTable,
  reference: NumericSide,
  referenceApproximate: boolean,
  options: RemoteDriftOptions,
  /** The current profile's distinct values of the column (exact or estimated, as the dialect says). */
  currentDistinct: number,
): Promise<NumericOutcome | undefined> {
  const smallReference = reference.kind === 'values' || reference.table.rows <= options.exactRows;
  if (current.rows <= options.exactRows && smallReference) {
    const currentValues = await sortedFinite(session, name, current);
    const referenceValues =
      reference.kind === 'values' ? reference.values : await sortedFinite(session, name, reference.table);
    if (currentValues.length === 0 || referenceValues.length === 0) return undefined;
    const outcome = driftTestSorted(method, referenceValues, currentValues, threshold);
    return {
      outcome,
      approximate: referenceApproximate,
      ...(outcome.drifted ? { distribution: numericDistribution(referenceValues, currentValues) } : {}),
    };
  }
  // Current alone with more distinct values than cells (NaN and ±∞ among them): no grid of points, and no
  // grouping of millions of values to learn it. An estimate (Spark) is trusted only well past the cells.
  const finiteDistinct = session.dialect.exactDistinct ? currentDistinct - 3 : currentDistinct / 2;
  const points =
    finiteDistinct > options.gridCells
      ? undefined
      : await pointGrid(session, name, reference, current, options.gridCells);
  if (points && sum(points.reference) + sum(points.current) <= EXPAND_MAX_VALUES) {
    if (sum(points.reference) === 0 || sum(points.current) === 0) return undefined;
    const referenceValues = expand(points.positions, points.reference);
    const currentValues = expand(points.positions, points.current);
    const outcome = driftTestSorted(method, referenceValues, currentValues, threshold);
    return {
      outcome,
      approximate: referenceApproximate,
      ...(outcome.drifted ? { distribution: numericDistribution(referenceValues, currentValues) } : {}),
    };
  }
  if (method === 'psi' || method === 'jensenshannon') {
    const bins = await sturgesGrid(session, name, reference, current);
    if (!bins || sum(bins.reference) === 0 || sum(bins.current) === 0) return undefined;
    const outcome = binnedTest(method, bins, threshold);
    return {
      outcome,
      approximate: referenceApproximate,
      ...(outcome.drifted ? { distribution: gridDistribution(bins) } : {}),
    };
  }
  const grid = points ?? (await intervalGrid(session, name, reference, current, options.gridCells));
  if (sum(grid.reference) === 0 || sum(grid.current) === 0) return undefined;
  let referenceStd = 0;
  if (method === 'wasserstein') {
    if (grid.points) referenceStd = weightedPopulationStd(grid.positions, grid.reference);
    else if (reference.kind === 'values') referenceStd = populationStd(reference.values);
    else {
      const value = finiteDouble(session, name);
      const [row = {}] = await rowsOf(
        session,
        `SELECT ${session.dialect.stddevPopulation('v')} AS sd FROM (SELECT ${value} AS v FROM ${reference.table.source.from}) AS values_of WHERE ${session.dialect.isFinite('v')}`,
        reference.table,
      );
      referenceStd = Number(row.sd ?? 0);
    }
  }
  const { outcome, bound } = gridTest(method, grid, threshold, referenceStd);
  return {
    outcome,
    approximate: referenceApproximate || bound > 0,
    ...(bound > 0 ? { bound } : {}),
    ...(outcome.drifted ? { distribution: gridDistribution(grid) } : {}),
  };
}

/** Each category's count on both sides, keys as DuckDB's drift writes them (numbers by value, else text). */
async function categoryCounts(
  session: RemoteSession,
  name: string,
  numeric: boolean,
  current: RemoteTable,
  reference: RemoteReference,
  profile: ColumnProfile | undefined,
): Promise<CategoryCounts> {
  const { dialect } = session;
  const id = dialect.identifier(name);
  const key = numeric ? dialect.asDouble(id) : dialect.asText(id);
  const finite = numeric ? ` AND ${dialect.isFinite('v')}` : '';
  const order = numeric ? 'v' : dialect.byCodePoint('v');
  if (reference.kind === 'profile') {
    const rows = await rowsOf(
      session,
      `SELECT v, count(*) AS n FROM (SELECT ${key} AS v FROM ${current.source.from}) AS keys WHERE v IS NOT NULL${finite} GROUP BY v`,
      current,
    );
    return countsAgainstProfile(profile as ColumnProfile, rows, numeric);
  }
  const rows = await rowsOf(
    session,
    `SELECT v, ${dialect.countIf("side = 'r'")} AS r, ${dialect.countIf("side = 'c'")} AS c FROM (
       SELECT ${key} AS v, 'r' AS side FROM ${reference.table.source.from} UNION ALL SELECT ${key}, 'c' FROM ${current.source.from}
     ) AS sides WHERE v IS NOT NULL${finite} GROUP BY v ORDER BY ${order}`,
    current,
  );
  return toCounts(
    rows.map((row) => ({ value: keyText(row.v, numeric), reference: Number(row.r), current: Number(row.c) })),
  );
}

/** Evidently's column types from the current profile; near the text boundary an estimated distinct is counted. */
async function typings(
  session: RemoteSession,
  current: RemoteTable,
  profile: DataProfile,
  suite: Suite | undefined,
): Promise<Map<string, DriftTyping>> {
  const declared = declaredTypes(suite);
  const profiles = new Map(profile.columns.map((column) => [column.name, column]));
  const recount = session.dialect.exactDistinct ? [] : columnsToCountExactly(current.columns, profiles, declared);
  const exact = new Map<string, number>();
  if (recount.length > 0) {
    const [row = {}] = await rowsOf(
      session,
      `SELECT ${recount.map((info, index) => `count(DISTINCT ${session.dialect.identifier(info.name)}) AS d${index}`).join(', ')} FROM ${current.source.from}`,
      current,
    );
    recount.forEach((info, index) => {
      exact.set(info.name, Number(row[`d${index}`] ?? 0));
    });
  }
  // A database column has its own type: a date is Evidently's datetime, as from Parquet (not from text).
  return typingsFromProfile(current.columns, profiles, declared, exact, false);
}

/** Non-missing (numeric: finite) reference values per column, the size Evidently's choice of test compares. */
async function referenceSizes(
  session: RemoteSession,
  columns: readonly { name: string; numeric: boolean }[],
  reference: RemoteReference,
): Promise<Map<string, { size: number; nonFinite: number }>> {
  if (reference.kind === 'profile') {
    return new Map(
      columns.map(({ name }) => {
        const kept = reference.profile.columns.find((column) => column.name === name);
        const nonFinite = kept?.nonFinite ?? 0;
        return [name, { size: Math.max(0, (kept?.count ?? 0) - nonFinite), nonFinite }];
      }),
    );
  }
  if (columns.length === 0) return new Map();
  const { dialect } = session;
  const reads = columns.flatMap(({ name, numeric }, index) => {
    const id = dialect.identifier(name);
    const finite = dialect.isFinite(dialect.asDouble(id));
    return numeric
      ? [
          `${dialect.countIf(finite)} AS n${index}`,
          `${dialect.countIf(`${id} IS NOT NULL AND NOT ${finite}`)} AS f${index}`,
        ]
      : [`count(${id}) AS n${index}`];
  });
  const [row = {}] = await rowsOf(
    session,
    `SELECT ${reads.join(', ')} FROM ${reference.table.source.from}`,
    reference.table,
  );
  return new Map(
    columns.map(({ name }, index) => [
      name,
      { size: Number(row[`n${index}`] ?? 0), nonFinite: Number(row[`f${index}`] ?? 0) },
    ]),
  );
}

/** Distinct values of reference and current together for numeric columns with few (≤ 5) current values. */
async function fewValueCounts(
  session: RemoteSession,
  names: readonly string[],
  current: RemoteTable,
  currentProfile: DataProfile,
  reference: RemoteReference,
): Promise<Map<string, number>> {
  const distinct = new Map(currentProfile.columns.map((column) => [column.name, column.distinct]));
  const counts = new Map(names.map((name) => [name, distinct.get(name) ?? 0]));
  for (const name of names.filter((column) => (distinct.get(column) ?? 0) <= FEW_NUMERIC_VALUES)) {
    const value = finiteDouble(session, name);
    const rows = await rowsOf(
      session,
      `SELECT DISTINCT v FROM (SELECT ${value} AS v FROM ${current.source.from}${reference.kind === 'table' ? ` UNION ALL SELECT ${value} FROM ${reference.table.source.from}` : ''}) AS sides WHERE v IS NOT NULL`,
      current,
    );
    const values = new Set(rows.map((row) => Number(row.v)));
    if (reference.kind === 'profile') {
      const kept = reference.profile.columns.find((column) => column.name === name);
      const exact = kept ? exactProfileValues(kept) : undefined;
      if (!exact) {
        counts.set(name, Math.max(values.size, kept?.distinct ?? 0));
        continue;
      }
      for (const item of exact) values.add(item);
    }
    counts.set(name, values.size);
  }
  return counts;
}

/**
 * Drift between a reference (a table on the same engine, or a profile) and the current table, by the rules
 * DuckDB's drift follows (validation/drift.ts), from aggregates the engine computes: categorical columns from
 * exact counts of each value, numeric ones as `numericTest` says.
 */
export async function computeRemoteDrift(
  session: RemoteSession,
  suite: Suite | undefined,
  settings: DriftSettings,
  current: RemoteTable,
  currentProfile: DataProfile,
  reference: RemoteReference,
  options: RemoteDriftOptions,
): Promise<DriftResult> {
  const referenceNames =
    reference.kind === 'table'
      ? reference.table.columns.map((column) => column.name)
      : reference.profile.columns.map((column) => column.name);
  const types = await typings(session, current, currentProfile, suite);
  const keys = uniqueKeys(suite);
  const result: DriftResult = { columns: [], skipped: [], share: 0, datasetDrift: false, settings };
  const tested: { name: string; typing: DriftTyping }[] = [];
  for (const name of driftCandidates(suite, settings, current.columns, referenceNames)) {
    const typing = types.get(name) as DriftTyping;
    const reason = skipReason(name, typing, settings, keys);
    if (reason) result.skipped.push({ column: name, reason });
    else tested.push({ name, typing });
  }
  const storedNumeric = (name: string) =>
    isNumericKind(storedKind((current.columns.find((column) => column.name === name) as ColumnInfo).type));
  const sizes = await referenceSizes(
    session,
    tested.map(({ name, typing }) => ({ name, numeric: typing.type === 'numerical' || storedNumeric(name) })),
    reference,
  );
  const numerical = tested.filter(({ typing }) => typing.type === 'numerical').map(({ name }) => name);
  const distinctCounts = await fewValueCounts(session, numerical, current, currentProfile, reference);
  for (const { name, typing } of tested) {
    const kind = typing.type === 'numerical' ? 'numeric' : 'categorical';
    const profile =
      reference.kind === 'profile' ? reference.profile.columns.find((column) => column.name === name) : undefined;
    const counts =
      kind === 'categorical'
        ? await categoryCounts(session, name, storedNumeric(name), current, reference, profile)
        : undefined;
    const distinct = counts?.categories.length ?? distinctCounts.get(name) ?? 0;
    const referenceSize = sizes.get(name)?.size ?? 0;
    const automatic = settings.method === 'auto';
    const fixed = automatic ? undefined : driftMethodName(settings.method as Exclude<SuiteDriftMethod, 'auto'>);
    const choice = fixed
      ? { method: fixed, threshold: DEFAULT_DRIFT_THRESHOLDS[fixed] }
      : chooseDriftMethod(referenceSize, kind, distinct);
    const threshold = settings.threshold ?? choice.threshold;
    if (kind === 'categorical' && NUMERIC_ONLY.has(choice.method)) {
      throw (suite as Suite).document.error(
        ['drift', 'method'],
        `drift method ${settings.method} needs numeric columns; '${name}' is categorical (${typing.why}; use auto, chi-square, z, jensen-shannon or psi)`,
        { input: 'suite' },
      );
    }
    const why = methodReason(typing, automatic, referenceSize, distinct);
    let tested: NumericOutcome | undefined;
    let nonFinite = 0;
    if (kind === 'numeric' && choice.method !== 'chisquare' && choice.method !== 'z') {
      // NaN and infinities are left out of the test on both sides and counted, as DuckDB's drift does.
      nonFinite =
        (currentProfile.columns.find((column) => column.name === name)?.nonFinite ?? 0) +
        (sizes.get(name)?.nonFinite ?? 0);
      let side: NumericSide;
      let referenceApproximate = false;
      if (reference.kind === 'table') side = { kind: 'engine', table: reference.table };
      else {
        // Exact where the profile kept the values or counted each one; else its 0.001 quantile grid.
        const exact = profile ? exactProfileValues(profile) : undefined;
        referenceApproximate = !exact;
        side = {
          kind: 'values',
          values: exact ?? finiteRun(Float64Array.from((profile?.quantiles ?? []).filter(Number.isFinite)).sort()),
        };
      }
      tested = await numericTest(
        session,
        name,
        choice.method as Exclude<DriftMethod, 'chisquare' | 'z'>,
        threshold,
        current,
        side,
        referenceApproximate,
        options,
        currentProfile.columns.find((column) => column.name === name)?.distinct ?? 0,
      );
    } else {
      const all = counts ?? (await categoryCounts(session, name, storedNumeric(name), current, reference, profile));
      if (all.referenceSize > 0 && all.currentSize > 0) {
        const outcome = driftTestFromCounts(
          choice.method as Exclude<DriftMethod, 'ks' | 'wasserstein'>,
          all,
          threshold,
        );
        tested = {
          outcome,
          approximate: false,
          ...(outcome.drifted ? { distribution: categoricalDistribution(all) } : {}),
        };
      }
    }
    if (!tested) {
      result.skipped.push({ column: name, reason: 'no values on one side' });
      continue;
    }
    const column: ColumnDrift = {
      column: name,
      kind,
      ...tested.outcome,
      approximate: tested.approximate,
      ...(tested.bound !== undefined ? { bound: tested.bound } : {}),
      why,
      ...(nonFinite > 0 ? { nonFinite } : {}),
      ...(tested.distribution ? { distribution: tested.distribution } : {}),
    };
    result.columns.push(column);
  }
  const drifted = result.columns.filter((column) => column.drifted).length;
  result.share = result.columns.length > 0 ? drifted / result.columns.length : 0;
  result.datasetDrift = result.columns.length > 0 && result.share >= settings.share;
  return result;
}
