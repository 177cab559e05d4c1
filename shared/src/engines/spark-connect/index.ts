export { formatDecimal, formatTimestampMicros } from './arrow.js';
export { SparkConnectConnection, type SparkConnectOptions } from './client.js';
export { DEFAULT_SPARK_CONNECT_PORT, parseSparkConnectString, type SparkConnectTarget } from './connection-string.js';
/** The ExecutePlan wire messages, for tools and tests that stand on the other side of the protocol. */
export {
  type ExecutePlanRequest,
  ExecutePlanRequestSchema,
  type ExecutePlanResponse,
  ExecutePlanResponseSchema,
} from './generated/spark/connect/base_pb.js';
