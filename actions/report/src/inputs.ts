import { type CommentRequest, type InputReader, readCommentRequest } from '@mlops-actions/core';

export interface Inputs {
  reports: string[];
  fromArtifacts: boolean;
  comment: CommentRequest;
  checkRun: boolean;
}

/** Reads and checks every input once, before any work. */
export function getInputs(reader: InputReader): Inputs {
  const comment = readCommentRequest(reader, 'summary');
  const pullRequest = reader.integer('pr-number', undefined, { min: 1 });
  return {
    reports: reader.list('reports'),
    fromArtifacts: reader.boolean('from-artifacts', false),
    comment: pullRequest === undefined ? comment : { ...comment, pullRequest },
    checkRun: reader.boolean('check-run', false),
  };
}
