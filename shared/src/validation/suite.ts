import type { ConfigDocument } from '../config/index.js';

/** The top-level sections of a suite file; `schemas/suite.schema.json` describes them for editors. */
export const SUITE_SECTIONS = ['version', 'table', 'columns', 'drift'] as const;

export interface SuiteOutline {
  version: 1;
  tableChecks: string[];
  columns: string[];
  drift: boolean;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks a suite's outline: a mapping with `version: 1` and only known sections, each section a mapping.
 * Errors name the file and line of the offending key.
 */
export function readSuiteOutline(document: ConfigDocument): SuiteOutline {
  const suite = document.value;
  if (!isRecord(suite)) throw document.error([], 'a suite must be a mapping with version, table, columns and drift');
  for (const key of Object.keys(suite)) {
    if (!(SUITE_SECTIONS as readonly string[]).includes(key)) {
      throw document.error([key], `unknown key '${key}'; a suite has ${SUITE_SECTIONS.join(', ')}`, { key: true });
    }
  }
  if (suite.version !== 1)
    throw document.error(['version'], `'version' must be 1, got ${JSON.stringify(suite.version)}`);
  for (const section of ['table', 'columns', 'drift'] as const) {
    if (suite[section] !== undefined && suite[section] !== null && !isRecord(suite[section])) {
      throw document.error([section], `'${section}' must be a mapping`);
    }
  }
  return {
    version: 1,
    tableChecks: isRecord(suite.table) ? Object.keys(suite.table) : [],
    columns: isRecord(suite.columns) ? Object.keys(suite.columns) : [],
    drift: isRecord(suite.drift),
  };
}
