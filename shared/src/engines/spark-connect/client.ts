import { randomUUID } from 'node:crypto';
import { create, type DescMessage, fromBinary, type MessageShape, toBinary } from '@bufbuild/protobuf';
import { Client, type ClientReadableStream, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import type { QueryResult, ResultColumn, SqlConnection } from '../connection.js';
import { decodeArrowStream } from './arrow.js';
import { parseSparkConnectString, type SparkConnectTarget } from './connection-string.js';
import { isServiceError, readSparkFailure, type SparkFailure, sparkFailureError } from './errors.js';
import {
  type ExecutePlanRequest,
  ExecutePlanRequestSchema,
  type ExecutePlanResponse,
  ExecutePlanResponseSchema,
  InterruptRequest_InterruptType,
  InterruptRequestSchema,
  InterruptResponseSchema,
  ReattachExecuteRequestSchema,
  ReleaseExecuteRequestSchema,
  ReleaseExecuteResponseSchema,
  ReleaseSessionRequestSchema,
  ReleaseSessionResponseSchema,
} from './generated/spark/connect/base_pb.js';

export interface SparkConnectOptions {
  /** The whole query, reattaches included, must finish within this (default 30 minutes). */
  queryTimeoutMs?: number;
  /** How many times a broken result stream is picked up again with ReattachExecute (default 5). */
  maxReattachAttempts?: number;
  /** First pause before a reattach; doubles each time (default 250 ms). */
  reattachDelayMs?: number;
  /** Told before each retry: a broken stream picked up again (`reattach`) or the plan sent again (`resend`). */
  onRetry?: (retry: { attempt: number; how: 'reattach' | 'resend'; reason: string }) => void;
}

const SERVICE = '/spark.connect.SparkConnectService';
const DEFAULTS = {
  queryTimeoutMs: 30 * 60_000,
  maxReattachAttempts: 5,
  reattachDelayMs: 250,
  onRetry: () => {},
} as const satisfies Required<SparkConnectOptions>;
/** Spark's own default for one result message is 128 MiB; aggregates are far below it. */
const MAX_MESSAGE_BYTES = 128 * 1024 * 1024;
const CLIENT_TYPE = 'mlops-actions/spark-connect-ts';

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** What one query has read so far: columns, rows, the last response id (for reattach) and the bytes on the wire. */
interface QueryProgress {
  columns: ResultColumn[] | undefined;
  rows: Record<string, unknown>[];
  lastResponseId: string | undefined;
  complete: boolean;
  bytesReceived: number;
  /** Chunks of an Arrow batch the server split (result chunking), joined once the last arrives. */
  pendingChunks: Uint8Array[];
  /** The gRPC status of the failure that ended the query, if one did. */
  failureCode?: string;
}

/**
 * A Spark Connect session over gRPC: each query is one reattachable `ExecutePlan` of a SQL relation whose Arrow
 * result batches are decoded into rows by the SqlConnection contract. A stream that breaks before Spark's
 * `ResultComplete` is picked up where it stopped with `ReattachExecute`; the execution is released afterwards.
 */
export class SparkConnectConnection implements SqlConnection {
  readonly engine = 'spark' as const;
  readonly sessionId: string;
  private readonly client: Client;
  private readonly options: Required<SparkConnectOptions>;
  private serverSideSessionId: string | undefined;
  private sessionPrepared: Promise<void> | undefined;
  private readonly pendingReleases = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly target: SparkConnectTarget,
    options: SparkConnectOptions = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    this.sessionId = target.sessionId ?? randomUUID();
    this.client = new Client(target.address, target.tls ? credentials.createSsl() : credentials.createInsecure(), {
      'grpc.primary_user_agent': target.userAgent,
      'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    });
  }

  /** Parses the `sc://` string (a ConfigurationError when it is wrong) and prepares a client; nothing is sent yet. */
  static fromConnectionString(connection: string, options: SparkConnectOptions = {}): SparkConnectConnection {
    return new SparkConnectConnection(parseSparkConnectString(connection), options);
  }

  async query(sql: string): Promise<QueryResult> {
    if (this.closed) throw new Error('this Spark Connect connection is closed');
    // Results come back as UTC instants whatever the zone; literals and casts follow the session's zone, which
    // we pin to UTC so that a suite means the same on Spark as on DuckDB and PostgreSQL.
    this.sessionPrepared ??= this.execute('SET spark.sql.session.timeZone=UTC').then(() => undefined);
    try {
      await this.sessionPrepared;
    } catch (error) {
      this.sessionPrepared = undefined;
      throw error;
    }
    return this.execute(sql);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled(this.pendingReleases);
    if (this.sessionPrepared !== undefined && this.target.sessionId === undefined) {
      // Frees the session we made (a session_id from the string is the user's to keep); failures change nothing.
      const request = create(ReleaseSessionRequestSchema, {
        sessionId: this.sessionId,
        userContext: this.userContext(),
        clientType: CLIENT_TYPE,
      });
      await this.unary(
        'ReleaseSession',
        ReleaseSessionRequestSchema,
        ReleaseSessionResponseSchema,
        request,
        5_000,
      ).catch(() => undefined);
    }
    this.client.close();
  }

  private userContext() {
    return { userId: this.target.userId, userName: this.target.userId };
  }

  private metadata(): Metadata {
    const metadata = new Metadata();
    for (const [name, value] of Object.entries(this.target.headers)) metadata.set(name, value);
    if (this.target.token !== undefined) metadata.set('authorization', `Bearer ${this.target.token}`);
    return metadata;
  }

  private observedSession(): { clientObservedServerSideSessionId?: string } {
    return this.serverSideSessionId === undefined
      ? {}
      : { clientObservedServerSideSessionId: this.serverSideSessionId };
  }

  private async execute(sql: string): Promise<QueryResult> {
    const operationId = randomUUID();
    const deadline = Date.now() + this.options.queryTimeoutMs;
    const request = create(ExecutePlanRequestSchema, {
      sessionId: this.sessionId,
      ...this.observedSession(),
      userContext: this.userContext(),
      operationId,
      clientType: CLIENT_TYPE,
      plan: { opType: { case: 'root', value: { relType: { case: 'sql', value: { query: sql } } } } },
      requestOptions: [{ requestOption: { case: 'reattachOptions', value: { reattachable: true } } }],
    });
    const progress: QueryProgress = {
      columns: undefined,
      rows: [],
      lastResponseId: undefined,
      complete: false,
      bytesReceived: 0,
      pendingChunks: [],
    };

    try {
      await this.run(request, progress, deadline);
    } catch (error) {
      // Spark would go on computing a result nobody reads (a timeout, a broken connection given up on).
      if (progress.lastResponseId !== undefined || progress.failureCode === 'DEADLINE_EXCEEDED') {
        this.interrupt(operationId);
      }
      throw error;
    }
    this.release(operationId);
    return { columns: progress.columns ?? [], rows: progress.rows, bytesReceived: progress.bytesReceived };
  }

  private fail(failure: SparkFailure, progress: QueryProgress): never {
    progress.failureCode = failure.code;
    throw sparkFailureError(failure, this.target.address);
  }

  /** Reads the result to its end, reattaching (or resending an unseen plan) when the stream breaks. */
  private async run(request: ExecutePlanRequest, progress: QueryProgress, deadline: number): Promise<void> {
    const operationId = request.operationId as string;
    let stream = this.executePlan(request, progress, deadline);
    let reattaching = false;
    let attempt = 0;
    for (;;) {
      let failure: SparkFailure;
      const seenBefore = progress.lastResponseId;
      try {
        await this.consume(stream, progress);
        if (progress.complete) return;
        // Spark ends a reattachable stream on purpose after a while (senderMaxStreamDuration, 2 minutes by
        // default) for the client to reattach: no failure, so no pause and no attempt counted.
        if (Date.now() >= deadline) {
          return this.fail({ code: 'DEADLINE_EXCEEDED', message: 'the query ran past its timeout' }, progress);
        }
        stream = this.reattach(operationId, progress, deadline);
        reattaching = true;
        continue;
      } catch (error) {
        if (!isServiceError(error)) throw error;
        failure = readSparkFailure(error);
        // The first ExecutePlan may have reached the server after all: then only a reattach can continue it.
        if (failure.errorClass === 'INVALID_HANDLE.OPERATION_ALREADY_EXISTS') reattaching = true;
        else if (failure.code !== 'UNAVAILABLE') return this.fail(failure, progress);
      }
      // A stream that broke after delivering more counts afresh: only failures in a row use up the attempts.
      if (progress.lastResponseId !== seenBefore) attempt = 0;
      if (attempt >= this.options.maxReattachAttempts || Date.now() >= deadline) return this.fail(failure, progress);
      await delay(this.options.reattachDelayMs * 2 ** attempt);
      attempt += 1;
      // Nothing received yet and no sign the server has the operation: send the plan again, else pick it up.
      if (progress.lastResponseId !== undefined) reattaching = true;
      this.options.onRetry({ attempt, how: reattaching ? 'reattach' : 'resend', reason: failure.message });
      stream = reattaching
        ? this.reattach(operationId, progress, deadline)
        : this.executePlan(request, progress, deadline);
    }
  }

  private async consume(stream: ClientReadableStream<ExecutePlanResponse>, progress: QueryProgress): Promise<void> {
    for await (const response of stream as AsyncIterable<ExecutePlanResponse>) {
      if (response.serverSideSessionId !== '') this.serverSideSessionId = response.serverSideSessionId;
      if (response.responseId !== '') progress.lastResponseId = response.responseId;
      const body = response.responseType;
      if (body.case === 'resultComplete') progress.complete = true;
      if (body.case !== 'arrowBatch') continue;
      const { data, chunkIndex, numChunksInBatch } = body.value;
      let ipc = data;
      if (numChunksInBatch !== undefined && numChunksInBatch > 1n) {
        progress.pendingChunks.push(data);
        if (chunkIndex !== numChunksInBatch - 1n) continue;
        ipc = Buffer.concat(progress.pendingChunks);
        progress.pendingChunks = [];
      }
      const batch = decodeArrowStream(ipc);
      progress.columns ??= batch.columns;
      for (const row of batch.rows) progress.rows.push(row);
    }
  }

  /** A deserializer that also counts the bytes of every message read, for `bytesReceived`. */
  private countingDecoder(progress: QueryProgress): (bytes: Buffer) => ExecutePlanResponse {
    return (bytes) => {
      progress.bytesReceived += bytes.length;
      return fromBinary(ExecutePlanResponseSchema, bytes);
    };
  }

  private executePlan(request: ExecutePlanRequest, progress: QueryProgress, deadline: number) {
    return this.client.makeServerStreamRequest(
      `${SERVICE}/ExecutePlan`,
      (message: ExecutePlanRequest) => Buffer.from(toBinary(ExecutePlanRequestSchema, message)),
      this.countingDecoder(progress),
      request,
      this.metadata(),
      { deadline },
    );
  }

  private reattach(operationId: string, progress: QueryProgress, deadline: number) {
    const request = create(ReattachExecuteRequestSchema, {
      sessionId: this.sessionId,
      ...this.observedSession(),
      userContext: this.userContext(),
      operationId,
      clientType: CLIENT_TYPE,
      ...(progress.lastResponseId !== undefined ? { lastResponseId: progress.lastResponseId } : {}),
    });
    return this.client.makeServerStreamRequest(
      `${SERVICE}/ReattachExecute`,
      (message: typeof request) => Buffer.from(toBinary(ReattachExecuteRequestSchema, message)),
      this.countingDecoder(progress),
      request,
      this.metadata(),
      { deadline },
    );
  }

  /** Asks Spark to stop an operation we gave up on; close() waits for it, its failure changes nothing. */
  private interrupt(operationId: string): void {
    const request = create(InterruptRequestSchema, {
      sessionId: this.sessionId,
      ...this.observedSession(),
      userContext: this.userContext(),
      clientType: CLIENT_TYPE,
      interruptType: InterruptRequest_InterruptType.OPERATION_ID,
      interrupt: { case: 'operationId', value: operationId },
    });
    this.track(this.unary('Interrupt', InterruptRequestSchema, InterruptResponseSchema, request, 10_000));
  }

  private track(call: Promise<unknown>): void {
    const pending = call.then(
      () => undefined,
      () => undefined,
    );
    this.pendingReleases.add(pending);
    void pending.finally(() => this.pendingReleases.delete(pending));
  }

  /** Tells the server it may drop the finished operation's buffered results; close() waits for it. */
  private release(operationId: string): void {
    const request = create(ReleaseExecuteRequestSchema, {
      sessionId: this.sessionId,
      ...this.observedSession(),
      userContext: this.userContext(),
      operationId,
      clientType: CLIENT_TYPE,
      release: { case: 'releaseAll', value: {} },
    });
    this.track(
      this.unary('ReleaseExecute', ReleaseExecuteRequestSchema, ReleaseExecuteResponseSchema, request, 10_000),
    );
  }

  private unary<Request extends DescMessage, Response extends DescMessage>(
    method: string,
    requestSchema: Request,
    responseSchema: Response,
    request: MessageShape<Request>,
    timeoutMs: number,
  ): Promise<MessageShape<Response>> {
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        `${SERVICE}/${method}`,
        (message: MessageShape<Request>) => Buffer.from(toBinary(requestSchema, message)),
        (bytes: Buffer) => fromBinary(responseSchema, bytes),
        request,
        this.metadata(),
        { deadline: Date.now() + timeoutMs },
        (error: ServiceError | null, response?: MessageShape<Response>) => {
          if (error !== null || response === undefined) {
            reject(error ?? new Error(`${method} returned nothing`));
            return;
          }
          resolve(response);
        },
      );
    });
  }
}
