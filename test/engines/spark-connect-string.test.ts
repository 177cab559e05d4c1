import { describe, expect, test } from 'vitest';
import {
  ConfigurationError,
  formatDecimal,
  formatTimestampMicros,
  parseSparkConnectString,
  type SparkConnectTarget,
} from '../../shared/src/index.js';

const base = { userId: 'mlops-actions', userAgent: 'mlops-actions', headers: {} };

describe('parseSparkConnectString', () => {
  test.each<[string, SparkConnectTarget]>([
    [
      'sc://spark.example.com',
      { ...base, host: 'spark.example.com', port: 15002, address: 'spark.example.com:15002', tls: false },
    ],
    ['sc://10.0.0.7:443/', { ...base, host: '10.0.0.7', port: 443, address: '10.0.0.7:443', tls: false }],
    ['sc://[::1]:15002', { ...base, host: '::1', port: 15002, address: '[::1]:15002', tls: false }],
    [
      'sc://dbc-1.cloud.example:443/;token=dapi%3Dabc;x-databricks-cluster-id=0123-456789-abc;user_id=ci',
      {
        ...base,
        host: 'dbc-1.cloud.example',
        port: 443,
        address: 'dbc-1.cloud.example:443',
        // The spec: a token turns TLS on.
        tls: true,
        token: 'dapi=abc',
        userId: 'ci',
        headers: { 'x-databricks-cluster-id': '0123-456789-abc' },
      },
    ],
    [
      // Spark's local pre-shared token on loopback travels without TLS, as the Python client sends it.
      'sc://localhost:15002/;token=local',
      { ...base, host: 'localhost', port: 15002, address: 'localhost:15002', tls: false, token: 'local' },
    ],
    [
      'sc://127.0.0.1:15002/;token=t;use_ssl=true',
      { ...base, host: '127.0.0.1', port: 15002, address: '127.0.0.1:15002', tls: true, token: 't' },
    ],
    [
      // use_ssl=false does not send a token in clear text to a remote host.
      'sc://spark.example.com/;token=t;use_ssl=false',
      { ...base, host: 'spark.example.com', port: 15002, address: 'spark.example.com:15002', tls: true, token: 't' },
    ],
    [
      'sc://h/;session_id=550E8400-E29B-41D4-A716-446655440000;user_agent=nightly;grpc_keepalive_time_ms=30000',
      {
        ...base,
        host: 'h',
        port: 15002,
        address: 'h:15002',
        tls: false,
        userAgent: 'nightly',
        sessionId: '550e8400-e29b-41d4-a716-446655440000',
      },
    ],
  ])('%s', (text, expected) => {
    expect(parseSparkConnectString(text)).toEqual(expected);
  });

  test.each([
    ['http://h:15002', 'must start with sc://'],
    ['sc://', 'has no valid host name after sc://'],
    ['sc://h:99999', 'names port 99999, which is not a port number (1-65535)'],
    [
      'sc://h:15002/prefix/;token=secret-value',
      'must not have a path after host:port: parameters follow as /;name=value',
    ],
    ['sc://h:15002;token=secret-value', 'needs a / between host:port and the parameters'],
    ['sc://user:secret-value@h', 'must not carry credentials before the host: pass token=… instead'],
    ['sc://h/;use_ssl=yes', 'has use_ssl that is neither true nor false'],
    ['sc://h/;session_id=abc', 'has a session_id that is not a UUID'],
    ['sc://h/;token=secret-value;token=other', 'names token twice'],
    ['sc://h/;token', 'has a parameter without name=value'],
    ['sc://h/;token=', 'has an empty token'],
    ['sc://h/;bad header=1', 'has parameter "bad header", which cannot be sent as a gRPC header'],
    ['sc://h/;authorization=secret-value', 'has parameter "authorization", which cannot be sent as a gRPC header'],
  ])('%s is refused: %s', (text, detail) => {
    let thrown: unknown;
    try {
      parseSparkConnectString(text);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigurationError);
    const error = thrown as ConfigurationError;
    expect(error.message).toBe(
      `the Spark Connect connection string ${detail} (expected sc://host:15002/;token=…;use_ssl=true)`,
    );
    expect(error.location).toEqual({ input: 'connection' });
    expect(error.message).not.toContain('secret-value');
  });
});

describe('values by the SqlConnection contract', () => {
  test.each<[bigint, number, string]>([
    [150n, 2, '1.50'],
    [-5n, 2, '-0.05'],
    [0n, 3, '0.000'],
    [7n, 0, '7'],
    [12n, -2, '1200'],
    [-(10n ** 37n) - 1n, 10, '-1000000000000000000000000000.0000000001'],
  ])('decimal %s × 10^-%i is %s', (unscaled, scale, text) => {
    expect(formatDecimal(unscaled, scale)).toBe(text);
  });

  test.each<[bigint, string]>([
    [0n, '1970-01-01T00:00:00Z'],
    [1_704_164_645_123_456n, '2024-01-02T03:04:05.123456Z'],
    [1_704_164_645_500_000n, '2024-01-02T03:04:05.5Z'],
    [-1n, '1969-12-31T23:59:59.999999Z'],
    [-1_000_000n, '1969-12-31T23:59:59Z'],
  ])('timestamp %s µs is %s', (micros, text) => {
    expect(formatTimestampMicros(micros)).toBe(text);
  });
});
