import {
  type CommentRequest,
  ConfigurationError,
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
}

/** Reads and checks every input once, before any work. */
export function getInputs(reader: InputReader): Inputs {
  const inputs: Inputs = {
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
