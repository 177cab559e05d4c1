import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { repositoryRoot } from './run-action.js';

/** A validator for schemas/report.schema.json, the contract every action's report must meet. */
export function reportValidator() {
  return schemaValidator('report.schema.json');
}

/** A validator for one of schemas/*.schema.json. */
export async function schemaValidator(file: string) {
  const schema = JSON.parse(await readFile(join(repositoryRoot, 'schemas', file), 'utf8'));
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  (addFormats as unknown as (ajv: Ajv2020) => void)(ajv);
  return ajv.compile(schema);
}
