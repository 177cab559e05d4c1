import {
  type CommentRequest,
  ConfigurationError,
  checkConnection,
  DEFAULT_EXACT_ROWS,
  FAIL_ON_LEVELS,
  type FailOn,
  type InputReader,
  parseByteSize,
  readCommentRequest,
} from '@mlops-actions/core';

/** Below this DuckDB cannot hold even a sort's working set of a few columns. */
const MIN_MEMORY_LIMIT = 64 * 2 ** 20;

function readMemoryLimit(reader: InputReader): number | undefined {
  const text = reader.optional('memory-limit');
  if (text === undefined) return undefined;
  const bytes = parseByteSize(text, 'memory-limit');
  if (bytes < MIN_MEMORY_LIMIT) {
    throw new ConfigurationError(
      `Input 'memory-limit' must be at least 64MiB (DuckDB needs room to sort and group), got '${text}'.`,
      { input: 'memory-limit' },
    );
  }
  return bytes;
}

export interface Inputs {
  data: string[];
  suite: string | undefined;
  reference: string[];
  failOn: FailOn;
  infer: boolean;
  comment: CommentRequest;
  /** Bytes DuckDB may hold before it spills to disk; undefined: DuckDB's default (80% of the machine's memory). */
  memoryLimit: number | undefined;
  engine: Engine;
  /** With a remote engine: where it is, and `data`/`reference` as it names them (a table, a path, a SELECT). */
  remote?: RemoteInputs;
}

export const ENGINES = ['duckdb', 'spark', 'postgres'] as const;
export type Engine = (typeof ENGINES)[number];

export interface RemoteInputs {
  engine: Exclude<Engine, 'duckdb'>;
  /** A secret: masked before anything is logged. */
  connection: string;
  data: string;
  /** A table, path or query on the engine, or a profile JSON file in the workspace (ends in .json). */
  reference: string | undefined;
  exactRows: number;
}

/** The remote engine's inputs: `data` and `reference` whole (a SELECT spans lines), the connection checked. */
function readRemote(reader: InputReader, engine: Exclude<Engine, 'duckdb'>): RemoteInputs {
  const connection = reader.optional('connection');
  if (connection === undefined)
    throw new ConfigurationError(`Input 'connection' is required with engine '${engine}'.`, { input: 'connection' });
  checkConnection(engine, connection);
  for (const local of ['infer', 'memory-limit'] as const) {
    if (reader.optional(local) !== undefined && reader.optional(local) !== 'false')
      throw new ConfigurationError(`Input '${local}' applies to engine 'duckdb' only; engine is '${engine}'.`, {
        input: local,
      });
  }
  return {
    engine,
    connection,
    data: reader.required('data'),
    reference: reader.optional('reference'),
    exactRows: reader.integer('exact-rows', DEFAULT_EXACT_ROWS, { min: 0 }),
  };
}

/** Reads and checks every input once, before any work. */
export function getInputs(reader: InputReader): Inputs {
  const engine = reader.enum('engine', ENGINES, 'duckdb');
  if (engine === 'duckdb' && reader.optional('connection') !== undefined)
    throw new ConfigurationError(
      "Input 'connection' is for engine 'postgres' or 'spark'; engine is 'duckdb' (set engine to where the data lives).",
      { input: 'connection' },
    );
  const inputs: Inputs = {
    engine,
    ...(engine === 'duckdb' ? {} : { remote: readRemote(reader, engine) }),
    data: reader.requiredList('data'),
    suite: reader.optional('suite'),
    reference: reader.list('reference'),
    failOn: reader.enum('fail-on', FAIL_ON_LEVELS, 'error'),
    infer: reader.boolean('infer', false),
    comment: readCommentRequest(reader, 'validate-data'),
    memoryLimit: readMemoryLimit(reader),
  };
  if (!inputs.suite && !inputs.infer && inputs.reference.length === 0) {
    throw new ConfigurationError(
      "Input 'suite' is required unless 'infer' is true or a 'reference' is given for drift only.",
      { input: 'suite' },
    );
  }
  return inputs;
}
