import {
  type CommentRequest,
  FAIL_ON_LEVELS,
  type FailOn,
  type InputReader,
  readCommentRequest,
} from '@mlops-actions/core';

export interface Inputs {
  data: string[];
  suite: string;
  failOn: FailOn;
  comment: CommentRequest;
}

/** Reads and checks every input once, before any work. */
export function getInputs(reader: InputReader): Inputs {
  return {
    data: reader.requiredList('data'),
    suite: reader.required('suite'),
    failOn: reader.enum('fail-on', FAIL_ON_LEVELS, 'error'),
    comment: readCommentRequest(reader, 'validate-data'),
  };
}
