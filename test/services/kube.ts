// A real kube-apiserver on etcd, both on 127.0.0.1 (envtest's approach); kube-nodes.ts adds the controllers, the
// scheduler and a kwok node when a suite needs workloads to run. TLS with a CA made by openssl for 127.0.0.1, a
// static admin token (group system:masters), RBAC on, a service-account key pair.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repositoryRoot } from '../support/run-action.js';
import { answers, freePort, makeWorkDir, type ServiceHandle, startProcess } from './process.js';

/** Kept in step with test/services/build-kube.sh, which builds the Kubernetes binaries and etcd into this folder. */
export const KUBE_VERSIONS = { kubernetes: 'v1.34.4', etcd: 'v3.6.16' } as const;
export const kubeCache = join(repositoryRoot, '.cache', 'kube');
export const kubeBinaries = join(kubeCache, `kubernetes-${KUBE_VERSIONS.kubernetes}-etcd-${KUBE_VERSIONS.etcd}`);

export interface KubeHandle extends ServiceHandle {
  /** A kubeconfig for the admin user (token auth, the rig's CA). */
  readonly kubeconfigPath: string;
  readonly token: string;
  readonly ca: string;
  /** A request as the admin; the body is JSON unless `contentType` says otherwise. */
  request(
    method: string,
    path: string,
    body?: unknown,
    contentType?: string,
  ): Promise<{ status: number; json: Record<string, unknown> & { items?: Record<string, unknown>[] }; text: string }>;
  /** Creates (or replaces by apply) the objects in a multi-document YAML/JSON list through server-side apply. */
  applyManifest(objects: readonly Record<string, unknown>[], fieldManager?: string): Promise<void>;
}

function openssl(args: string[], cwd: string) {
  execFileSync('openssl', args, { cwd, stdio: 'pipe' });
}

/** A CA and a serving certificate for 127.0.0.1/localhost, plus the service-account key pair. */
function makeCertificates(dir: string) {
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=rig-kube-ca',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
    ],
    dir,
  );
  openssl(
    [
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/CN=kube-apiserver',
      '-keyout',
      'server.key',
      '-out',
      'server.csr',
    ],
    dir,
  );
  execFileSync(
    'sh',
    [
      '-c',
      'printf "subjectAltName=IP:127.0.0.1,DNS:localhost\\n" > ext.cnf && openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile ext.cnf -out server.crt',
    ],
    { cwd: dir, stdio: 'pipe' },
  );
  openssl(['genrsa', '-out', 'sa.key', '2048'], dir);
  openssl(['rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir);
}

export async function startKube(): Promise<KubeHandle> {
  const workDir = await makeWorkDir('kube');
  makeCertificates(workDir);
  const token = `rig-admin-${Math.random().toString(36).slice(2)}`;
  await writeFile(join(workDir, 'tokens.csv'), `${token},rig-admin,rig-admin,"system:masters"\n`);
  const [etcdPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const etcd = await startProcess({
    name: 'etcd',
    command: join(kubeBinaries, 'etcd'),
    args: [
      '--data-dir',
      join(workDir, 'etcd'),
      '--listen-client-urls',
      `http://127.0.0.1:${etcdPort}`,
      '--advertise-client-urls',
      `http://127.0.0.1:${etcdPort}`,
      '--listen-peer-urls',
      `http://127.0.0.1:${peerPort}`,
      '--initial-advertise-peer-urls',
      `http://127.0.0.1:${peerPort}`,
      '--initial-cluster',
      `default=http://127.0.0.1:${peerPort}`,
      '--unsafe-no-fsync',
      // KServe's InferenceService CRD with its managedFields is larger than etcd's default 1.5 MiB request.
      '--max-request-bytes',
      String(16 * 1024 * 1024),
      '--log-level',
      'warn',
    ],
    ready: () => answers(`http://127.0.0.1:${etcdPort}/health`),
    timeoutMs: 30_000,
  });
  const ca = readFileSync(join(workDir, 'ca.crt'), 'utf8');
  const url = `https://127.0.0.1:${apiPort}`;
  const { Agent } = await import('node:https');
  const agent = new Agent({ ca });
  const request: KubeHandle['request'] = (method, path, body, contentType = 'application/json') =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      import('node:https').then(({ request: send }) => {
        const outgoing = send(
          new URL(path, url),
          {
            method,
            agent,
            headers: {
              authorization: `Bearer ${token}`,
              accept: 'application/json',
              ...(payload !== undefined ? { 'content-type': contentType } : {}),
            },
          },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              let json = {};
              try {
                json = JSON.parse(text);
              } catch {
                // Plain text (logs, healthz).
              }
              resolve({ status: response.statusCode ?? 0, json, text });
            });
          },
        );
        outgoing.on('error', reject);
        if (payload !== undefined) outgoing.write(payload);
        outgoing.end();
      }, reject);
    });
  let apiserver: Awaited<ReturnType<typeof startProcess>>;
  try {
    apiserver = await startProcess({
      name: 'kube-apiserver',
      command: join(kubeBinaries, 'kube-apiserver'),
      args: [
        `--etcd-servers=http://127.0.0.1:${etcdPort}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${apiPort}`,
        '--advertise-address=127.0.0.1',
        `--cert-dir=${join(workDir, 'certs')}`,
        `--tls-cert-file=${join(workDir, 'server.crt')}`,
        `--tls-private-key-file=${join(workDir, 'server.key')}`,
        `--client-ca-file=${join(workDir, 'ca.crt')}`,
        `--token-auth-file=${join(workDir, 'tokens.csv')}`,
        '--authorization-mode=RBAC',
        `--service-account-key-file=${join(workDir, 'sa.pub')}`,
        `--service-account-signing-key-file=${join(workDir, 'sa.key')}`,
        '--service-account-issuer=https://kubernetes.default.svc',
        '--service-cluster-ip-range=10.96.0.0/16',
        // kwok's node (kube-nodes.ts) has the hostname kwok-node-1, which resolves nowhere: pods/log goes to its IP.
        '--kubelet-preferred-address-types=InternalIP',
        '--disable-admission-plugins=ServiceAccount',
        '--enable-priority-and-fairness=false',
        '--profiling=false',
        '--v=0',
      ],
      ready: async () => (await request('GET', '/readyz').catch(() => ({ status: 0 }))).status === 200,
      timeoutMs: 60_000,
    });
  } catch (error) {
    await etcd.stop();
    throw error;
  }
  const kubeconfigPath = join(workDir, 'kubeconfig.yaml');
  await writeFile(
    kubeconfigPath,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        { name: 'rig', cluster: { server: url, 'certificate-authority-data': Buffer.from(ca).toString('base64') } },
      ],
      users: [{ name: 'rig-admin', user: { token } }],
      contexts: [{ name: 'rig', context: { cluster: 'rig', user: 'rig-admin', namespace: 'default' } }],
      'current-context': 'rig',
    }),
  );
  const applyManifest: KubeHandle['applyManifest'] = async (objects, fieldManager = 'kubectl') => {
    for (const object of objects) {
      const { apiVersion, kind, metadata } = object as {
        apiVersion: string;
        kind: string;
        metadata: { name: string; namespace?: string };
      };
      const plural = `${kind.toLowerCase()}s`;
      const root = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      const namespaced =
        kind === 'CustomResourceDefinition' || kind === 'Namespace'
          ? ''
          : `/namespaces/${metadata.namespace ?? 'default'}`;
      const path = `${root}${namespaced}/${plural}/${metadata.name}?fieldManager=${fieldManager}&force=true`;
      const answer = await request('PATCH', path, object, 'application/apply-patch+yaml');
      if (answer.status >= 300) throw new Error(`apply ${kind} ${metadata.name}: ${answer.status} ${answer.text}`);
    }
  };
  return {
    name: 'kube-apiserver',
    url,
    port: apiPort,
    startupMs: etcd.startupMs + apiserver.startupMs,
    kubeconfigPath,
    token,
    ca,
    request,
    applyManifest,
    pids: async () => [...(await etcd.pids()), ...(await apiserver.pids())],
    logs: () => `--- etcd\n${etcd.logs()}\n--- kube-apiserver\n${apiserver.logs()}`,
    stop: async () => {
      await apiserver.stop();
      await etcd.stop();
      const { rm } = await import('node:fs/promises');
      await rm(workDir, { recursive: true, force: true });
    },
  };
}
