import { fromBinary } from '@bufbuild/protobuf';
import { type ServiceError, status } from '@grpc/grpc-js';
import { EngineError, type EngineErrorKind } from '../connection.js';
import { ErrorInfoSchema } from './generated/google/rpc/error_details_pb.js';
import { StatusSchema } from './generated/google/rpc/status_pb.js';

/** What Spark Connect says about a failure, from the gRPC status and the ErrorInfo in its details trailer. */
export interface SparkFailure {
  /** gRPC status name, e.g. `INTERNAL`, `UNAVAILABLE`. */
  code: string;
  /** Spark's error class, e.g. `TABLE_OR_VIEW_NOT_FOUND`, when the server named one. */
  errorClass?: string;
  /** The JVM exception class, e.g. `org.apache.spark.sql.AnalysisException`. */
  exception?: string;
  sqlState?: string;
  /** The first line of the server's message (the plan dump after it helps nobody reading a CI log). */
  message: string;
}

const ERROR_INFO_TYPE = 'type.googleapis.com/google.rpc.ErrorInfo';

export function isServiceError(error: unknown): error is ServiceError {
  return error instanceof Error && typeof (error as Partial<ServiceError>).code === 'number' && 'metadata' in error;
}

/** Reads a gRPC failure into its parts; the ErrorInfo is optional (proxies and old servers send none). */
export function readSparkFailure(error: ServiceError): SparkFailure {
  const failure: SparkFailure = {
    code: status[error.code] ?? String(error.code),
    message: firstLine(error.details || error.message),
  };
  for (const raw of error.metadata?.get('grpc-status-details-bin') ?? []) {
    try {
      const details = fromBinary(StatusSchema, typeof raw === 'string' ? Buffer.from(raw, 'base64') : raw);
      for (const detail of details.details) {
        if (detail.typeUrl !== ERROR_INFO_TYPE) continue;
        const info = fromBinary(ErrorInfoSchema, detail.value);
        if (info.reason !== '') failure.exception = info.reason;
        const errorClass = info.metadata.errorClass;
        if (errorClass !== undefined && errorClass !== '') failure.errorClass = errorClass;
        const sqlState = info.metadata.sqlState;
        if (sqlState !== undefined && sqlState !== '') failure.sqlState = sqlState;
      }
    } catch {
      // A details trailer we cannot read leaves the status message, which says the same in prose.
    }
  }
  return failure;
}

function firstLine(text: string): string {
  const line = text.split('\n').find((part) => part.trim() !== '') ?? '';
  // Spark appends `SQLSTATE: …` (named in the tags already) and, for analysis errors, the plan after `;`.
  return line
    .replace(/\s*SQLSTATE: \w+;?/, '')
    .replace(/;\s*'.*$/, '')
    .replace(/;\s*$/, '')
    .replace(/\s*Resolution note:\s*$/, '')
    .replace('Last error: Error: ', 'last error: ')
    .trim()
    .slice(0, 2000);
}

const KIND_OF_ERROR_CLASS: [RegExp, EngineErrorKind][] = [
  [/^(TABLE_OR_VIEW_NOT_FOUND|PATH_NOT_FOUND|SCHEMA_NOT_FOUND|CATALOG_NOT_FOUND)\b/, 'missing-table'],
  [/^(UNRESOLVED_COLUMN|FIELD_NOT_FOUND|UNRESOLVED_FIELD)\b/, 'missing-column'],
  [/^(UNRESOLVED_ROUTINE|ROUTINE_NOT_FOUND)\b/, 'missing-function'],
];

/** Which of the user's inputs a failure points at, read from the gRPC status and Spark's error class. */
export function sparkFailureKind(failure: SparkFailure): EngineErrorKind {
  if (failure.code === 'UNAVAILABLE') return 'unreachable';
  if (failure.code === 'UNAUTHENTICATED' || failure.code === 'PERMISSION_DENIED') return 'authentication';
  const errorClass = failure.errorClass ?? '';
  return KIND_OF_ERROR_CLASS.find(([pattern]) => pattern.test(errorClass))?.[1] ?? 'query';
}

/** Causes that sit with the user's connection string, credentials, SQL, tables or engine, not with us. */
const USER_SIDE_CODES = new Set([
  'INVALID_ARGUMENT',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'UNAUTHENTICATED',
  'UNAVAILABLE',
  'DEADLINE_EXCEEDED',
  'FAILED_PRECONDITION',
  'RESOURCE_EXHAUSTED',
]);

/**
 * One message for a failed Spark Connect call: what happened in words, then the gRPC status and Spark's error
 * class. User-side causes (bad SQL, a missing table, column or function, credentials, an unreachable server)
 * become EngineErrors (ConfigurationErrors naming `connection` or `data`); the rest stays a plain Error. The connection string and token are never part of it.
 */
export function sparkFailureError(failure: SparkFailure, address: string): Error {
  const tags = [`gRPC ${failure.code}`, failure.errorClass, failure.sqlState && `SQLSTATE ${failure.sqlState}`]
    .filter((tag): tag is string => typeof tag === 'string' && tag !== '')
    .join(', ');
  let what: string;
  switch (failure.code) {
    case 'UNAVAILABLE':
      what = `the Spark Connect server at ${address} is unreachable: ${failure.message}`;
      break;
    case 'UNAUTHENTICATED':
    case 'PERMISSION_DENIED':
      what = `the Spark Connect server at ${address} refused the credentials (check the token in the connection string): ${failure.message}`;
      break;
    case 'DEADLINE_EXCEEDED':
      what = `Spark did not answer within the query timeout: ${failure.message}`;
      break;
    default:
      what = `Spark rejected the query: ${failure.message.replace(/^\[[A-Z0-9_.]+\]\s*/, '')}`;
  }
  const message = `${what} (${tags})`;
  const userSide =
    USER_SIDE_CODES.has(failure.code) ||
    (failure.errorClass !== undefined &&
      !failure.errorClass.startsWith('INTERNAL') &&
      !failure.sqlState?.startsWith('XX'));
  return userSide ? new EngineError(sparkFailureKind(failure), message, failure.message) : new Error(message);
}
