// What turns the bare kube-apiserver of kube.ts into a cluster whose workloads run: kube-controller-manager (the
// Deployment, ReplicaSet and node lifecycle controllers), kube-scheduler, and kwok (sigs.k8s.io/kwok) playing the
// kubelet of one node. Deployments roll out through real ReplicaSets, the scheduler binds their pods to the node, kwok's own stages
// (from its module, copied by build-kube.sh) turn them Running and Ready, and its kubelet endpoint serves
// `pods/log` (the apiserver proxies the request to it) from the file its ClusterLogs names.
import { execFileSync } from 'node:child_process';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { KUBE_VERSIONS, type KubeHandle, kubeBinaries, kubeCache } from './kube.js';
import {
  delay,
  freePort,
  type ManagedProcess,
  makeWorkDir,
  type ServiceHandle,
  type StartProcessOptions,
  startProcess,
} from './process.js';

/** Kept in step with test/services/build-kube.sh. */
export const KWOK_VERSION = 'v0.8.0';
export const kwokFolder = join(kubeCache, `kwok-${KWOK_VERSION}`);
export const NODE_NAME = 'kwok-node-1';

export interface KubeNodesOptions {
  /** Namespaces whose containers' logs kwok serves from `logLines` (a ClusterLogs selector). */
  logNamespaces: readonly string[];
  /** What every container of those namespaces printed on stdout, a line each. */
  logLines: readonly string[];
}

export interface KubeNodesHandle extends ServiceHandle {
  readonly nodeName: string;
}

/** kwok's stage files (node-initialize, node-heartbeat, pod-ready, pod-complete, pod-delete) as one document list. */
async function kwokStages(): Promise<string> {
  const folder = join(kwokFolder, 'stages');
  const files = (await readdir(folder)).filter((file) => file.endsWith('.yaml')).sort();
  return (await Promise.all(files.map((file) => readFile(join(folder, file), 'utf8')))).join('\n---\n');
}

export async function startKubeNodes(kube: KubeHandle, options: KubeNodesOptions): Promise<KubeNodesHandle> {
  const workDir = await makeWorkDir('kube-nodes');
  const logsFile = join(workDir, 'container.log');
  // The CRI log format a kubelet reads its containers' logs from: time, stream, F(ull line), the line.
  const at = new Date().toISOString();
  await writeFile(logsFile, options.logLines.map((line) => `${at} stdout F ${line}\n`).join(''));
  const clusterLogs = {
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'ClusterLogs',
    metadata: { name: 'containers' },
    spec: {
      selector: { matchNamespaces: [...options.logNamespaces] },
      logs: [{ logsFile, follow: false }],
    },
  };
  const configPath = join(workDir, 'kwok.yaml');
  await writeFile(configPath, `${await kwokStages()}\n---\n${stringify(clusterLogs)}`);
  // The kubelet endpoint's certificate: the apiserver does not verify it (no --kubelet-certificate-authority).
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${NODE_NAME}`,
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      'kubelet.key',
      '-out',
      'kubelet.crt',
    ],
    { cwd: workDir, stdio: 'pipe' },
  );

  const started: (ManagedProcess & { name: string })[] = [];
  const start = async (process: StartProcessOptions) =>
    started.push(Object.assign(await startProcess(process), { name: process.name }));
  const stopStarted = async () => {
    for (const process of [...started].reverse()) await process.stop();
  };
  try {
    const common = [
      '--kubeconfig',
      kube.kubeconfigPath,
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      `--cert-dir=${workDir}`,
    ];
    await start({
      name: 'kube-controller-manager',
      command: join(kubeBinaries, 'kube-controller-manager'),
      args: [
        ...common,
        `--secure-port=${await freePort()}`,
        // The node lifecycle controller lifts the not-ready taint the apiserver puts on a new node once kwok
        // reports it Ready; checked every second rather than every 5 s.
        '--controllers=deployment-controller,replicaset-controller,node-lifecycle-controller',
        '--node-monitor-period=1s',
        '--v=1',
      ],
      // Alive after the first poll: the node turning Ready below and the suites' rollouts prove the rest.
      ready: async () => true,
      timeoutMs: 30_000,
    });
    await start({
      name: 'kube-scheduler',
      command: join(kubeBinaries, 'kube-scheduler'),
      args: [...common, `--secure-port=${await freePort()}`, '--v=1'],
      ready: async () => true,
      timeoutMs: 30_000,
    });
    const kubeletPort = await freePort();
    await start({
      name: 'kwok',
      command: join(kwokFolder, 'kwok'),
      args: [
        '--kubeconfig',
        kube.kubeconfigPath,
        '--config',
        configPath,
        `--manage-single-node=${NODE_NAME}`,
        '--node-ip=127.0.0.1',
        `--node-port=${kubeletPort}`,
        `--server-address=127.0.0.1:${kubeletPort}`,
        `--tls-cert-file=${join(workDir, 'kubelet.crt')}`,
        `--tls-private-key-file=${join(workDir, 'kubelet.key')}`,
        '--cidr=10.244.0.0/16',
      ],
      ready: async () => true,
      timeoutMs: 30_000,
    });
    // The node as a kubelet registers itself; kwok's node-initialize stage reports it Ready.
    const registered = await kube.request('POST', '/api/v1/nodes', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: NODE_NAME, labels: { 'kubernetes.io/hostname': NODE_NAME, type: 'kwok' } },
    });
    if (registered.status >= 300)
      throw new Error(`register node ${NODE_NAME}: ${registered.status} ${registered.text}`);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const { json } = await kube.request('GET', `/api/v1/nodes/${NODE_NAME}`);
      const node = json as {
        spec?: { taints?: unknown[] };
        status?: { conditions?: { type: string; status: string }[] };
      };
      const ready = (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
      if (ready && (node.spec?.taints ?? []).length === 0) break;
      if (Date.now() > deadline)
        throw new Error(`${NODE_NAME} was not Ready and untainted within 30 s: ${JSON.stringify(node.spec)}`);
      await delay(100);
    }
  } catch (error) {
    const logs = started.map((process) => `--- ${process.name}\n${process.logs()}`).join('\n');
    await stopStarted();
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${logs.slice(-4000)}`);
  }
  return {
    name: `kube nodes (kwok ${KWOK_VERSION}, kubernetes ${KUBE_VERSIONS.kubernetes})`,
    url: kube.url,
    port: kube.port,
    startupMs: started.reduce((sum, process) => sum + process.startupMs, 0),
    nodeName: NODE_NAME,
    pids: async () => (await Promise.all(started.map((process) => process.pids()))).flat(),
    logs: () => started.map((process) => `--- ${process.name}\n${process.logs()}`).join('\n'),
    stop: async () => {
      await stopStarted();
      await rm(workDir, { recursive: true, force: true });
    },
  };
}
