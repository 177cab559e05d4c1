import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { Server, ServerCredentials, type ServerWritableStream, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ConfigurationError,
  type ExecutePlanRequest,
  ExecutePlanRequestSchema,
  type ExecutePlanResponse,
  ExecutePlanResponseSchema,
  SparkConnectConnection,
} from '../../shared/src/index.js';

/**
 * Open-source Spark checks only its local pre-shared token (spark-connect.test.ts); what a Databricks-style gateway
 * reads (bearer token, cluster header, user agent, session and user) is checked here, on a loopback gRPC endpoint
 * that records each ExecutePlan call and refuses it as such a gateway does.
 */
describe('what the Spark Connect client sends', () => {
  const calls: { metadata: Record<string, unknown>; request: ExecutePlanRequest }[] = [];
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = new Server();
    server.addService(
      {
        ExecutePlan: {
          path: '/spark.connect.SparkConnectService/ExecutePlan',
          requestStream: false,
          responseStream: true,
          requestSerialize: (message: ExecutePlanRequest) => Buffer.from(toBinary(ExecutePlanRequestSchema, message)),
          requestDeserialize: (bytes: Buffer) => fromBinary(ExecutePlanRequestSchema, bytes),
          responseSerialize: (message: ExecutePlanResponse) =>
            Buffer.from(toBinary(ExecutePlanResponseSchema, message)),
          responseDeserialize: (bytes: Buffer) => fromBinary(ExecutePlanResponseSchema, bytes),
        },
      },
      {
        ExecutePlan: (call: ServerWritableStream<ExecutePlanRequest, ExecutePlanResponse>) => {
          calls.push({ metadata: call.metadata.getMap(), request: call.request });
          call.emit('error', { code: status.PERMISSION_DENIED, details: 'cluster 0123-456789-abc is not yours' });
        },
      },
    );
    port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
  });
  afterAll(() => server?.forceShutdown());

  test('token, extra parameters as headers, user agent, session and user; a refusal is one message', async () => {
    const sessionId = '550e8400-e29b-41d4-a716-446655440000';
    const spark = SparkConnectConnection.fromConnectionString(
      `sc://localhost:${port}/;token=dapi-secret;x-databricks-cluster-id=0123-456789-abc;user_id=ci-bot;user_agent=nightly-job;session_id=${sessionId}`,
    );
    const error = await spark.query('SELECT 1').catch((thrown: unknown) => thrown);
    await spark.close();

    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toBe(
      `the Spark Connect server at localhost:${port} refused the credentials (check the token in the connection string): cluster 0123-456789-abc is not yours (gRPC PERMISSION_DENIED)`,
    );
    expect(calls).toHaveLength(1);
    const [call] = calls;
    expect(call?.metadata.authorization).toBe('Bearer dapi-secret');
    expect(call?.metadata['x-databricks-cluster-id']).toBe('0123-456789-abc');
    expect(String(call?.metadata['user-agent'])).toMatch(/^nightly-job grpc-node-js\//);
    const request = call!.request;
    expect(request.sessionId).toBe(sessionId);
    expect(request.userContext?.userId).toBe('ci-bot');
    expect(request.clientType).toBe('mlops-actions/spark-connect-ts');
    expect(request.operationId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // The session's zone is pinned first, in a reattachable execution like every query.
    expect(request.plan?.opType).toEqual({
      case: 'root',
      value: expect.objectContaining({
        relType: { case: 'sql', value: expect.objectContaining({ query: 'SET spark.sql.session.timeZone=UTC' }) },
      }),
    });
    expect(request.requestOptions.map((option) => option.requestOption)).toEqual([
      { case: 'reattachOptions', value: expect.objectContaining({ reattachable: true }) },
    ]);
  });
});
