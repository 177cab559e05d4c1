import {
  type CommentRequest,
  ConfigurationError,
  FAIL_ON_LEVELS,
  type FailOn,
  type InputReader,
  readCommentRequest,
} from '@mlops-actions/core';

export interface Inputs {
  data: string[];
  suite: string | undefined;
  reference: string[];
  failOn: FailOn;
  infer: boolean;
  comment: CommentRequest;
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
  };
  if (!inputs.suite && !inputs.infer && inputs.reference.length === 0) {
    throw new ConfigurationError(
      "Input 'suite' is required unless 'infer' is true or a 'reference' is given for drift only.",
      { input: 'suite' },
    );
  }
  return inputs;
}
