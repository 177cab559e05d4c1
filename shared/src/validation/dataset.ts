import { readFile } from 'node:fs/promises';
import type { DataEngine } from '../data/engine.js';
import type { DataFile } from '../data/files.js';
import { ConfigurationError } from '../errors/index.js';
import { numericValues } from './columns.js';
import {
  computeDrift,
  currentColumnsReadFromTable,
  type DriftResult,
  driftColumnsToRead,
  type Reference,
} from './drift.js';
import { type CheckOutcome, judgeSuite, planSuite } from './evaluate.js';
import { type DataProfile, finishProfile, isDataProfile, planProfile } from './profile.js';
import { type ColumnType, checkSuiteExpressions, type DriftSettings, type Suite } from './suite.js';
import { asReadError, describeFiles, keepOnly, loadTable } from './tables.js';

export type ReferenceInput = { files: DataFile[] } | { profilePath: string; display: string };

export interface ValidationRun {
  rows: number;
  checks: CheckOutcome[];
  drift?: DriftResult;
  profile: DataProfile;
}

export const DEFAULT_DRIFT: DriftSettings = {
  columns: 'all',
  method: 'auto',
  threshold: null,
  share: 0.5,
  severity: 'warning',
};

export async function readProfile(path: string, display: string): Promise<DataProfile> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new ConfigurationError(
      `Input 'reference': ${display} is not a readable profile JSON (${(error as Error).message}).`,
      {
        input: 'reference',
      },
    );
  }
  if (!isDataProfile(value)) {
    throw new ConfigurationError(
      `Input 'reference': ${display} is JSON but not a data profile written by validate-data.`,
      {
        input: 'reference',
      },
    );
  }
  return value;
}

/** The dataset-level drift check: fails when the share of drifted columns reaches the suite's share. */
export function datasetDriftCheck(drift: DriftResult): CheckOutcome {
  const { settings } = drift;
  const drifted = drift.columns.filter((column) => column.drifted).map((column) => column.column);
  return {
    id: 'drift.dataset',
    title: `dataset drift: share of drifted columns < ${settings.share}`,
    status: drift.datasetDrift ? 'failed' : 'passed',
    severity: settings.severity,
    observed: { drifted: drifted.length, checked: drift.columns.length, share: Number(drift.share.toFixed(4)) },
    expected: { share: `< ${settings.share}` },
    ...(drifted.length ? { details: `drifted: ${drifted.join(', ')}` } : {}),
  };
}

/** The data checked by the suite, profiled, and compared with the reference for drift. */
export async function validateDataset(
  engine: DataEngine,
  files: readonly DataFile[],
  suite: Suite | undefined,
  reference: ReferenceInput | undefined,
): Promise<ValidationRun> {
  if (suite) await checkSuiteExpressions(engine, suite);
  const storage = await loadTable(engine, 'current', files, 'data');
  const columns = await engine.columns('current');
  const [{ rows = 0 } = {}] = await engine.rows('SELECT count(*) AS rows FROM current');
  const declared = new Map<string, ColumnType>(
    (suite?.columns ?? []).filter((column) => column.type).map((column) => [column.name, column.type!]),
  );
  // The suite's aggregates and the profile's in one scan of the table.
  const suitePlan = suite ? planSuite(suite, columns) : undefined;
  const profilePlan = planProfile('current', columns, declared);
  // The first query that decodes every value: a damaged Parquet page shows here, and is the file's fault.
  const [values = {}] = await asReadError(files, 'data', () =>
    engine.rows(`SELECT ${[...(suitePlan?.reads ?? []), ...profilePlan.reads].join(',\n  ')} FROM current`),
  );
  const checks = suitePlan ? await judgeSuite(engine, suitePlan, values) : [];
  const profile = await finishProfile(engine, profilePlan, values);
  // An integer key the profile does not treat as numeric was sorted for its uniqueness alone: let it go.
  for (const column of profile.columns)
    if (column.kind !== 'numeric') engine.release(numericValues('current', column.name));

  let drift: DriftResult | undefined;
  if (reference) {
    let source: Reference;
    const settings = suite?.drift ?? DEFAULT_DRIFT;
    // pandas reads a date in CSV or JSON as text, and Evidently types it as text would be (column-types.ts).
    const fromText = files[0]?.format !== 'parquet';
    if ('files' in reference) {
      const referenceColumns = await describeFiles(engine, reference.files, 'reference');
      const needed = await driftColumnsToRead(
        engine,
        suite,
        settings,
        columns,
        referenceColumns.map((column) => column.name),
        profile,
        fromText,
      );
      if (storage === 'table') {
        const inTable = currentColumnsReadFromTable(engine, needed, settings, profile);
        await keepOnly(engine, 'current', columns, inTable, needed);
      }
      await loadTable(engine, 'reference', reference.files, 'reference', { only: needed, rowNumbers: false });
      const [{ rows: referenceRows = 0 } = {}] = await engine.rows('SELECT count(*) AS rows FROM reference');
      // All the reference's columns, for the report's list of what was not tested; the table holds the tested ones.
      source = { kind: 'table', columns: referenceColumns, rows: Number(referenceRows) };
    } else {
      source = { kind: 'profile', profile: await readProfile(reference.profilePath, reference.display) };
    }
    const emptySuite = suite ?? ({ unique: [], columns: [], document: undefined } as unknown as Suite);
    const computed = () => computeDrift(engine, emptySuite, settings, columns, source, profile, fromText);
    // Parquet references are read while drift is computed (views over the files).
    drift = await ('files' in reference ? asReadError(reference.files, 'reference', computed) : computed());
    checks.push(datasetDriftCheck(drift));
  }
  return { rows: Number(rows), checks, ...(drift ? { drift } : {}), profile };
}
