export { formatDecimal, formatTimestampMicros } from './arrow.js';
export { SparkConnectConnection, type SparkConnectOptions } from './client.js';
export { DEFAULT_SPARK_CONNECT_PORT, parseSparkConnectString, type SparkConnectTarget } from './connection-string.js';
