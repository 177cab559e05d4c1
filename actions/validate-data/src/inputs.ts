import { FAIL_ON_LEVELS, type FailOn, type InputReader } from '@mlops-actions/core';

export interface Inputs {
  data: string[];
  suite: string;
  failOn: FailOn;
}

/** Reads and checks every input once, before any work. */
export function getInputs(reader: InputReader): Inputs {
  return {
    data: reader.requiredList('data'),
    suite: reader.required('suite'),
    failOn: reader.enum('fail-on', FAIL_ON_LEVELS, 'error'),
  };
}
