import {
  type CommentRequest,
  ConfigurationError,
  type InputReader,
  parseByteSize,
  parseEnum,
  readCommentRequest,
  STAGES,
} from '@mlops-actions/core';

export type StageLabel = (typeof STAGES)[number]['label'];

export interface Inputs {
  reports: string[];
  fromArtifacts: boolean;
  comment: CommentRequest;
  checkRun: boolean;
  /** Stages whose report must be there; a missing one makes the check run neutral, named. */
  expectedStages: StageLabel[];
  maxArtifacts: number;
  maxArtifactsBytes: number;
}

const STAGE_LABELS = STAGES.map((stage) => stage.label);
const DEFAULT_MAX_ARTIFACTS_SIZE = '100MB';

/** Reads and checks every input once, before any work. */
export function getInputs(reader: InputReader): Inputs {
  const comment = readCommentRequest(reader, 'summary');
  const pullRequest = reader.integer('pr-number', undefined, { min: 1 });
  const expectedStages = reader
    .list('expected-stages')
    .map((stage) => parseEnum(stage, 'expected-stages', STAGE_LABELS));
  const duplicate = expectedStages.find((stage, index) => expectedStages.indexOf(stage) !== index);
  if (duplicate) {
    throw new ConfigurationError(`Input 'expected-stages' names '${duplicate}' twice; name each stage once.`, {
      input: 'expected-stages',
    });
  }
  return {
    reports: reader.list('reports'),
    fromArtifacts: reader.boolean('from-artifacts', false),
    comment: pullRequest === undefined ? comment : { ...comment, pullRequest },
    checkRun: reader.boolean('check-run', false),
    expectedStages,
    maxArtifacts: reader.integer('max-artifacts', 50, { min: 1, max: 1000 }),
    maxArtifactsBytes: parseByteSize(
      reader.optional('max-artifacts-size') ?? DEFAULT_MAX_ARTIFACTS_SIZE,
      'max-artifacts-size',
      { min: 1e3, max: 10e9 },
    ),
  };
}
