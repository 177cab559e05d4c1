// validate-data on an engine where the data lives (PostgreSQL, Spark): only aggregates and bounded samples come back.
import { existsSync } from 'node:fs';
import {
  type ActionHost,
  dialectOf,
  openRemoteEngine,
  type QueryTiming,
  type RemoteReferenceInput,
  readProfile,
  remoteSource,
  validateRemote,
} from '@mlops-actions/core';
import type { Inputs, RemoteInputs } from './inputs.js';
import { publishValidation } from './report.js';
import { readSuiteFile } from './sources.js';

/** One debug line per query, so a slow run shows which statement took the time (the SQL on one line). */
export function queryTimingLine(engine: string, timing: QueryTiming): string {
  return `${engine} query: ${timing.seconds.toFixed(3)} s, ${timing.bytesReceived} bytes, ${timing.rows} rows: ${timing.sql.replace(/\s+/g, ' ')}`;
}

/** A reference ending in .json that is a file in the workspace is a profile from an earlier run; else the engine's. */
function remoteReference(host: ActionHost, remote: RemoteInputs): RemoteReferenceInput | 'profile' | undefined {
  if (remote.reference === undefined) return undefined;
  if (/\.json$/i.test(remote.reference) && existsSync(host.inputs.resolveConfined('reference', remote.reference)))
    return 'profile';
  return { source: remoteSource(remote.reference, dialectOf(remote.engine), 'reference') };
}

export async function validateOnEngine(host: ActionHost, inputs: Inputs, remote: RemoteInputs): Promise<void> {
  const dialect = dialectOf(remote.engine);
  const data = remoteSource(remote.data, dialect, 'data');
  const suite = inputs.suite ? await readSuiteFile(host, inputs.suite) : undefined;
  const resolved = remoteReference(host, remote);
  let reference: RemoteReferenceInput | undefined;
  if (resolved === 'profile') {
    const path = host.inputs.resolveConfined('reference', remote.reference as string);
    reference = { profile: await readProfile(path, host.inputs.display(path)) };
  } else reference = resolved;
  const connection = await openRemoteEngine(remote.engine, remote.connection);
  try {
    const run = await host.log.group(`Check ${data.display} on ${remote.engine}`, () =>
      validateRemote(connection, dialect, data, suite, reference, {
        exactRows: remote.exactRows,
        onQuery: (timing) => host.log.debug(queryTimingLine(remote.engine, timing)),
      }),
    );
    host.log.info(
      `${remote.engine}: ${run.engine.queries} queries, ${run.engine.bytesReceived} bytes returned to the runner.`,
    );
    await publishValidation(
      host,
      inputs,
      [{ display: data.display, format: remote.engine }],
      run,
      remote.reference,
      run.engine,
    );
  } finally {
    await connection.close();
  }
}
