import { writeFile } from 'node:fs/promises';
import { type ActionHost, type DataEngine, type DataFile, inferSuite } from '@mlops-actions/core';
import type { Inputs } from './inputs.js';

/** `infer: true`: writes a starting suite from the data instead of checking it, and names it in the `suite` output. */
export async function writeInferredSuite(
  host: ActionHost,
  inputs: Inputs,
  engine: DataEngine,
  files: readonly DataFile[],
): Promise<void> {
  const target = host.inputs.resolveConfined('suite', inputs.suite ?? 'mlops-suite.yml');
  await writeFile(target, await host.log.group('Infer a suite', () => inferSuite(engine, files)));
  host.log.info(`Inferred suite written to ${host.inputs.display(target)}.`);
  host.setOutput('suite', target);
}
