// The pure layers of the Kubernetes providers: requests as data, kubeconfig selection, field ownership, the
// route's weighted rules, Deployment readiness and the diagnostics' escaping.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  applyRequest,
  ConfigurationError,
  candidateWeightOf,
  conflictingOwners,
  deploymentReadiness,
  describeContainerState,
  describeOwners,
  eventsRequest,
  type GatewaySplit,
  type HttpRouteRule,
  inferenceServiceReadiness,
  listRequest,
  logRequest,
  predictorFor,
  RESOURCES,
  renderCandidateDiagnostics,
  resolveConnection,
  resourcePath,
  selectKubeconfig,
  weightedRules,
} from '../../shared/src/index.js';

describe('requests', () => {
  test.each([
    [
      RESOURCES.httpRoute,
      'ml',
      'model',
      undefined,
      '/apis/gateway.networking.k8s.io/v1/namespaces/ml/httproutes/model',
    ],
    [RESOURCES.pod, 'ml', 'p-1', 'log', '/api/v1/namespaces/ml/pods/p-1/log'],
    [
      RESOURCES.inferenceService,
      'a b',
      'x/y',
      'status',
      '/apis/serving.kserve.io/v1beta1/namespaces/a%20b/inferenceservices/x%2Fy/status',
    ],
    [RESOURCES.deployment, 'ml', undefined, undefined, '/apis/apps/v1/namespaces/ml/deployments'],
  ] as const)('%o %s %s %s → %s', (resource, namespace, name, subresource, path) => {
    expect(resourcePath(resource, namespace, name, subresource)).toBe(path);
  });

  test('server-side apply: PATCH with the apply content type, our field manager, force, and the full object', () => {
    const request = applyRequest(RESOURCES.httpRoute, 'ml', 'model', { spec: { rules: [] } }, { force: true });
    expect(request).toEqual({
      method: 'PATCH',
      path: '/apis/gateway.networking.k8s.io/v1/namespaces/ml/httproutes/model?fieldManager=mlops-deploy&force=true',
      headers: { accept: 'application/json', 'content-type': 'application/apply-patch+yaml' },
      body: JSON.stringify({
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'model', namespace: 'ml' },
        spec: { rules: [] },
      }),
    });
    expect(
      applyRequest(RESOURCES.deployment, 'ml', 'm', {}, { force: false, subresource: 'status', fieldManager: 'x' })
        .path,
    ).toBe('/apis/apps/v1/namespaces/ml/deployments/m/status?fieldManager=x');
  });

  test('logs, events and lists carry their selectors encoded', () => {
    expect(logRequest('ml', 'p', { container: 'model', tailLines: 20, limitBytes: 8192 }).path).toBe(
      '/api/v1/namespaces/ml/pods/p/log?container=model&tailLines=20&limitBytes=8192',
    );
    expect(eventsRequest('ml', 'Pod', 'p').path).toBe(
      '/api/v1/namespaces/ml/events?fieldSelector=involvedObject.kind%3DPod%2CinvolvedObject.name%3Dp',
    );
    expect(listRequest(RESOURCES.pod, 'ml', { labelSelector: 'app=m,track=candidate' }).path).toBe(
      '/api/v1/namespaces/ml/pods?labelSelector=app%3Dm%2Ctrack%3Dcandidate',
    );
  });
});

describe('kubeconfig', () => {
  const config = (extra = '') => `apiVersion: v1
kind: Config
current-context: prod
clusters:
  - name: prod-cluster
    cluster:
      server: https://10.0.0.1:6443/
      certificate-authority: ca.pem
contexts:
  - name: prod
    context: { cluster: prod-cluster, user: ci, namespace: ml }
  - name: other
    context: { cluster: nowhere, user: ci }
users:
  - name: ci
    user:
      token: s3cret
${extra}`;
  const options = { path: '/home/ci/.kube/config', display: 'kube.yaml', input: 'kubeconfig' };

  test('the current context: server without trailing slash, CA file beside the kubeconfig, token, namespace', () => {
    expect(selectKubeconfig(config(), options)).toEqual({
      server: 'https://10.0.0.1:6443',
      namespace: 'ml',
      ca: { data: undefined, file: '/home/ci/.kube/ca.pem', insecure: false },
      token: { data: 's3cret', file: undefined },
      clientCertificate: { data: undefined, file: undefined },
      clientKey: { data: undefined, file: undefined },
      unsupported: undefined,
    });
  });

  test.each([
    ['no such context', { context: 'staging' }, config(), /has no context "staging" \(it has prod, other\)/],
    ['a context naming no cluster', { context: 'other' }, config(), /has no cluster "nowhere"/],
    ['not YAML', {}, 'a: [', /kube\.yaml is not YAML/],
    ['no current context', {}, 'clusters: []', /has no current-context: set the kubernetes-context input/],
  ])('%s → ConfigurationError naming the input and file', (_name, extra, text, message) => {
    const call = () => selectKubeconfig(text, { ...options, ...extra });
    expect(call).toThrow(ConfigurationError);
    expect(call).toThrow(message);
    expect(call).toThrow(/^Input 'kubeconfig': kube\.yaml/);
  });
});

describe('connection', () => {
  test('in-cluster: the service account folder, KUBERNETES_SERVICE_HOST/PORT (IPv6 bracketed), token trimmed', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'sa-'));
    await Promise.all([
      writeFile(join(folder, 'token'), 'sa-token\n'),
      writeFile(join(folder, 'ca.crt'), 'PEM'),
      writeFile(join(folder, 'namespace'), 'ml\n'),
    ]);
    expect(
      await resolveConnection({
        env: { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' },
        serviceAccountDir: folder,
      }),
    ).toEqual({
      server: 'https://[fd00::1]:443',
      ca: 'PEM',
      token: 'sa-token',
      namespace: 'ml',
      source: 'the in-cluster service account',
    });
  });

  test('KUBECONFIG when no input: its first path; the namespace input wins; tokenFile is read', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'kc-'));
    await writeFile(join(folder, 'token'), 'from-file\n');
    await writeFile(
      join(folder, 'config'),
      'current-context: a\ncontexts: [{name: a, context: {cluster: c, user: u, namespace: ml}}]\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:6443", certificate-authority-data: UEVN}}]\nusers: [{name: u, user: {tokenFile: token}}]\n',
    );
    const connection = await resolveConnection({
      env: { KUBECONFIG: `${join(folder, 'config')}:/elsewhere` },
      namespace: 'prod',
    });
    expect(connection).toMatchObject({
      server: 'https://127.0.0.1:6443',
      ca: 'PEM',
      token: 'from-file',
      namespace: 'prod',
    });
    expect(connection.source).toBe(`KUBECONFIG (${join(folder, 'config')})`);
  });

  test.each([
    [
      'users: [{name: u, user: {exec: {command: aws}}}]',
      /kube.yaml names a user that authenticates with exec, which this action does not run/,
    ],
    [
      'users: [{name: u, user: {token: t}}]\nclusters: [{name: c, cluster: {server: "https://h", insecure-skip-tls-verify: true}}]',
      /kube.yaml sets insecure-skip-tls-verify, which is refused/,
    ],
  ])('refused: %s', async (extra, message) => {
    const folder = await mkdtemp(join(tmpdir(), 'kc-'));
    const clusters = extra.includes('clusters:') ? '' : 'clusters: [{name: c, cluster: {server: "https://h"}}]\n';
    await writeFile(
      join(folder, 'config'),
      `current-context: a\ncontexts: [{name: a, context: {cluster: c, user: u}}]\n${clusters}${extra}\n`,
    );
    await expect(
      resolveConnection({ kubeconfig: join(folder, 'config'), display: 'kube.yaml', env: {} }),
    ).rejects.toThrow(message);
  });

  test('nothing at all: the kubeconfig input is required', async () => {
    await expect(resolveConnection({ env: {} })).rejects.toThrow(
      "Input 'kubeconfig' is required: no kubeconfig input, no KUBECONFIG and not inside a cluster (KUBERNETES_SERVICE_HOST unset).",
    );
  });
});

describe('field ownership', () => {
  const entry = (manager: string, fields: Record<string, unknown>, subresource?: string) => ({
    manager,
    operation: 'Update',
    fieldsV1: fields,
    ...(subresource ? { subresource } : {}),
  });
  const rules = { 'f:spec': { 'f:rules': {} } };
  test.each([
    ['argo-rollouts', rules, undefined, [{ manager: 'argo-rollouts', known: 'Argo Rollouts', field: 'spec.rules' }]],
    ['flagger', rules, undefined, [{ manager: 'flagger', known: 'Flagger', field: 'spec.rules' }]],
    ['some-operator', rules, undefined, [{ manager: 'some-operator', known: undefined, field: 'spec.rules' }]],
    ['kubectl-client-side-apply', rules, undefined, []],
    ['kubectl', rules, undefined, []],
    ['helm', rules, undefined, []],
    ['mlops-deploy', rules, undefined, []],
    ['istio', { 'f:status': { 'f:parents': {} } }, 'status', []],
    ['flagger', { 'f:spec': { 'f:hostnames': {} } }, undefined, []],
  ])('%s owning %j (subresource %s) → %j', (manager, fields, subresource, owners) => {
    expect(conflictingOwners([entry(manager, fields, subresource)], [['spec', 'rules']])).toEqual(owners);
  });
  test('the message names the tool and the manager', () => {
    expect(describeOwners(conflictingOwners([entry('argo-rollouts', rules)], [['spec', 'rules']]))).toBe(
      'Argo Rollouts (manager "argo-rollouts") owns spec.rules',
    );
  });
});

describe('HTTPRoute weights', () => {
  const split: GatewaySplit = { route: 'model', baseline: 'model-v1', candidate: 'model-v2' };
  const other: HttpRouteRule = {
    matches: [{ path: { type: 'PathPrefix', value: '/docs' } }],
    backendRefs: [{ name: 'docs', port: 80 }],
  };
  const main: HttpRouteRule = {
    matches: [{ path: { type: 'PathPrefix', value: '/v1/models' } }],
    timeouts: { request: '10s' },
    backendRefs: [{ name: 'model-v1', port: 8080 }],
  };

  test('the candidate is added with the baseline port; other rules and fields stay as they were', () => {
    expect(weightedRules([other, main], split, 25)).toEqual([
      other,
      {
        ...main,
        backendRefs: [
          { name: 'model-v1', port: 8080, weight: 75 },
          { name: 'model-v2', port: 8080, weight: 25 },
        ],
      },
    ]);
  });

  test.each([0, 5, 50, 100])('%i%% round-trips through candidateWeightOf', (weight) => {
    expect(candidateWeightOf(weightedRules([main], split, weight), split)).toBe(weight);
  });

  test('sticky header: a rule before the weighted one pins requests with X-Variant: candidate, gone at 0 and 100', () => {
    const sticky = { ...split, sticky: { source: 'header' as const, name: 'X-Variant' } };
    const at25 = weightedRules([main], sticky, 25);
    expect(at25).toEqual([
      {
        timeouts: { request: '10s' },
        matches: [
          {
            path: { type: 'PathPrefix', value: '/v1/models' },
            headers: [{ type: 'Exact', name: 'X-Variant', value: 'candidate' }],
          },
        ],
        backendRefs: [{ name: 'model-v2', port: 8080, weight: 1 }],
      },
      {
        ...main,
        backendRefs: [
          { name: 'model-v1', port: 8080, weight: 75 },
          { name: 'model-v2', port: 8080, weight: 25 },
        ],
      },
    ]);
    // The next step replaces the sticky rule instead of adding a second one.
    expect(weightedRules(at25, sticky, 50)).toHaveLength(2);
    // Also as the apiserver returns it: keys in its order, defaults filled in.
    const returned = at25.map((rule, index) =>
      index === 0
        ? { ...rule, matches: [{ headers: [{ value: 'candidate', name: 'x-variant', type: 'Exact' }] }] }
        : rule,
    );
    expect(weightedRules(returned, sticky, 50)).toHaveLength(2);
    expect(weightedRules(at25, sticky, 100)).toHaveLength(1);
    expect(weightedRules(at25, sticky, 0)).toEqual([
      {
        ...main,
        backendRefs: [
          { name: 'model-v1', port: 8080, weight: 100 },
          { name: 'model-v2', port: 8080, weight: 0 },
        ],
      },
    ]);
  });

  test('sticky cookie: a Cookie header regular expression', () => {
    const sticky = { ...split, sticky: { source: 'cookie' as const, name: 'variant' } };
    const rule = weightedRules([{ backendRefs: [{ name: 'model-v1' }] }], sticky, 5)[0];
    expect(rule?.matches).toEqual([
      { headers: [{ type: 'RegularExpression', name: 'Cookie', value: '(^|;\\s*)variant=candidate(;|$)' }] },
    ]);
  });

  test.each([
    [[other], /no rule of HTTPRoute "model" sends traffic to Service "model-v1"/],
    [[main, main], /2 rules of HTTPRoute "model" send traffic to Service "model-v1"; one is expected/],
    [[{ backendRefs: [{ name: 'model-v1' }, { name: 'shadow' }] }], /also sends it to "shadow"/],
  ])('a route the split cannot own is refused: %j', (rules, message) => {
    expect(() => weightedRules(rules, split, 5)).toThrow(message);
  });
});

describe('Deployment readiness', () => {
  const deployment = (status: Record<string, unknown>, generation = 2) => ({
    metadata: { generation },
    spec: { replicas: 2 },
    status,
  });
  test.each([
    [
      { observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: 2 },
      false,
      'the controller has not seen the latest spec yet',
    ],
    [
      { observedGeneration: 2, replicas: 2, updatedReplicas: 1, availableReplicas: 1 },
      false,
      '1 of 2 replicas updated',
    ],
    [
      { observedGeneration: 2, replicas: 3, updatedReplicas: 2, availableReplicas: 2 },
      false,
      '1 old replicas pending termination',
    ],
    [
      { observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 1 },
      false,
      '1 of 2 updated replicas available',
    ],
    [
      { observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 },
      true,
      '2 of 2 replicas available',
    ],
    [
      {
        observedGeneration: 2,
        conditions: [
          {
            type: 'Progressing',
            reason: 'ProgressDeadlineExceeded',
            message: 'ReplicaSet "m-1" has timed out progressing.',
          },
        ],
      },
      false,
      'progress deadline exceeded: ReplicaSet "m-1" has timed out progressing.',
    ],
  ])('%j → ready %s: %s', (status, ready, why) => {
    expect(deploymentReadiness(deployment(status))).toEqual({ ready, why });
  });
  test.each([
    [{ waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s' } }, 'waiting: CrashLoopBackOff (back-off 10s)'],
    [{ terminated: { reason: 'Error', exitCode: 1 } }, 'terminated: Error, exit 1'],
    [{ running: {} }, 'running'],
    [undefined, 'unknown'],
  ])('container state %j → %s', (state, text) => {
    expect(describeContainerState(state)).toBe(text);
  });
});

describe('diagnostics in the summary', () => {
  test('cluster strings are escaped; a log cannot close its fence; terminal escapes are dropped', () => {
    const markdown = renderCandidateDiagnostics({
      owner: 'Deployment "model-v2"',
      pods: [
        {
          name: 'model-v2-abc',
          phase: 'Running',
          ready: false,
          containers: [
            {
              name: 'model',
              ready: false,
              restarts: 7,
              state: 'waiting: CrashLoopBackOff',
              log: 'boom ```\n\u001b[31m@team <script>',
              logAvailable: true,
            },
          ],
          events: [{ type: 'Warning', reason: 'BackOff', message: 'ping @ops | <b>x</b>', count: 12 }],
        },
      ],
    });
    expect(markdown).toContain('| `model-v2-abc` | Running | no | `model` | 7 | waiting: CrashLoopBackOff |');
    expect(markdown).toContain('| Warning | BackOff | 12 | ping @\u2060ops \\| &lt;b&gt;x&lt;/b&gt; |');
    expect(markdown).toContain('````text\nboom ```\n@team <script>\n````');
  });
});

describe('KServe canary', () => {
  const split = { service: 'churn', baseline: 's3://models/churn/v1', candidate: 's3://models/churn/v2' };
  test.each([
    [0, { model: { storageUri: 's3://models/churn/v1' }, canaryTrafficPercent: 0 }],
    [5, { model: { storageUri: 's3://models/churn/v2' }, canaryTrafficPercent: 5 }],
    [50, { model: { storageUri: 's3://models/churn/v2' }, canaryTrafficPercent: 50 }],
    [100, { model: { storageUri: 's3://models/churn/v2' } }],
  ])('%i%% → predictor %j', (weight, predictor) => {
    expect(predictorFor(split, weight)).toEqual(predictor);
  });

  const service = (status: Record<string, unknown>) => ({ metadata: { generation: 3 }, status });
  test.each([
    [
      { observedGeneration: 2, conditions: [{ type: 'Ready', status: 'True' }] },
      false,
      'KServe has not seen the candidate spec yet',
    ],
    [
      {
        observedGeneration: 3,
        conditions: [
          { type: 'Ready', status: 'False', reason: 'RevisionFailed', message: 'Container failed with: OOMKilled' },
        ],
      },
      false,
      'Ready is False (RevisionFailed: Container failed with: OOMKilled)',
    ],
    [{ observedGeneration: 3 }, false, 'Ready is missing'],
    [
      {
        observedGeneration: 3,
        conditions: [{ type: 'Ready', status: 'True' }],
        components: {
          predictor: { latestCreatedRevision: 'churn-predictor-00002', latestReadyRevision: 'churn-predictor-00001' },
        },
      },
      false,
      'revision churn-predictor-00002 is not ready yet',
    ],
    [
      {
        observedGeneration: 3,
        conditions: [{ type: 'Ready', status: 'True' }],
        components: {
          predictor: { latestCreatedRevision: 'churn-predictor-00002', latestReadyRevision: 'churn-predictor-00002' },
        },
      },
      true,
      'Ready',
    ],
  ])('%j → ready %s: %s', (status, ready, why) => {
    expect(inferenceServiceReadiness(service(status), 3)).toEqual({ ready, why });
  });
});
