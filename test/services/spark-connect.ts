import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort, makeWorkDir, type ServiceHandle, startProcess } from './process.js';
import { sparkHome } from './require-service.js';

export interface SparkConnectHandle extends ServiceHandle {
  /** `sc://127.0.0.1:<port>` (plus `/;token=…` when the server was started with one). */
  readonly connectionString: string;
}

export interface SparkConnectServerOptions {
  /** Spark's local pre-shared token (`spark.connect.authenticate.token`): calls without `Bearer <token>` fail. */
  token?: string;
  /** The driver's heap (`--driver-memory`); Spark's 1g suits the suites' small tables, not a benchmark's 50M rows. */
  driverMemory?: string;
}

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/**
 * Apache Spark's Connect server from the pinned pyspark (requirements-spark.txt, venv from scripts/setup) in
 * `local[2]`, everything bound to 127.0.0.1 (gRPC, driver and block manager), no UI, an in-memory catalog and a
 * temp dir for scratch and warehouse. The JVM takes tens of seconds to start on a busy machine: once per file.
 */
export async function startSparkConnect(options: SparkConnectServerOptions = {}): Promise<SparkConnectHandle> {
  const workDir = await makeWorkDir('spark-connect');
  const port = await freePort();
  const home = sparkHome();
  const conf = {
    'spark.master': 'local[2]',
    'spark.connect.grpc.binding.address': '127.0.0.1',
    'spark.connect.grpc.binding.port': String(port),
    'spark.driver.bindAddress': '127.0.0.1',
    'spark.driver.host': '127.0.0.1',
    'spark.ui.enabled': 'false',
    'spark.ui.showConsoleProgress': 'false',
    'spark.sql.catalogImplementation': 'in-memory',
    'spark.sql.warehouse.dir': join(workDir, 'warehouse'),
    'spark.local.dir': join(workDir, 'scratch'),
    // Two cores: Spark's 200 shuffle partitions would spend the suites' time on empty tasks.
    'spark.sql.shuffle.partitions': '2',
    ...(options.token !== undefined ? { 'spark.connect.authenticate.token': options.token } : {}),
  };
  const server = await startProcess({
    name: 'spark-connect',
    command: join(home, 'bin', 'spark-submit'),
    args: [
      '--class',
      'org.apache.spark.sql.connect.service.SparkConnectServer',
      ...Object.entries(conf).flatMap(([key, value]) => ['--conf', `${key}=${value}`]),
      ...(options.driverMemory !== undefined ? ['--driver-memory', options.driverMemory] : []),
      '--driver-java-options',
      `-Djava.io.tmpdir=${workDir}`,
    ],
    cwd: workDir,
    env: { ...process.env, SPARK_HOME: home, SPARK_LOCAL_IP: '127.0.0.1', SPARK_CONF_DIR: workDir },
    workDir,
    timeoutMs: 240_000,
    pollIntervalMs: 500,
    stopGraceMs: 10_000,
    ready: () => portAccepts(port),
  });
  const url = `sc://127.0.0.1:${port}`;
  return {
    name: 'spark-connect',
    url,
    port,
    connectionString: options.token === undefined ? url : `${url}/;token=${encodeURIComponent(options.token)}`,
    startupMs: server.startupMs,
    pids: server.pids,
    logs: server.logs,
    stop: server.stop,
  };
}
