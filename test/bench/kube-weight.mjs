#!/usr/bin/env node
// kube-weight: time from a gate decision (the rollout calling the provider's setCandidateWeight) to the new weight
// visible in a kube-apiserver watch, median of KUBE_WEIGHT_RUNS (default 20) steps, for provider gateway-api (the
// HTTPRoute's backendRefs weights) and provider kserve (the InferenceService's canaryTrafficPercent), against a real
// kube-apiserver and etcd on 127.0.0.1 (test/services/kube.ts). The floor, measured in the same run: one
// server-side apply of the same fields as the same field manager (what `kubectl apply --server-side` sends), to
// the same watch. Ours does more on purpose: the ownership check on managedFields and the candidate's readiness
// before the apply. Goal: median ≤ 3× the floor.
// Run `npx tsc -b` first: this imports the compiled shared/lib. Needs the binaries of test/services/build-kube.sh.
import { Agent, request } from 'node:https';
import { register } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// The rig (test/services, test/deploy/support) is TypeScript with `.js` import specifiers: Node strips the types;
// this maps the names, and the library's sources to its compiled shared/lib.
register(
  `data:text/javascript,${encodeURIComponent(
    "export async function resolve(s, c, next) { s = s.replace('/shared/src/', '/shared/lib/'); try { return await next(s, c); } catch (e) { if (s.startsWith('.') && s.endsWith('.js')) return next(s.slice(0, -3) + '.ts', c); throw e; } }",
  )}`,
);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const load = (path) => import(pathToFileURL(join(root, path)).href);
const { createProvider, candidateWeightOf, weightedRules, predictorFor, FIELD_MANAGER, silentLogger } = {
  ...(await load('shared/lib/deploy/index.js')),
  ...(await load('shared/lib/kubernetes/index.js')),
  ...(await load('shared/lib/log/index.js')),
};
const { startKube } = await load('test/services/kube.ts');
const fixtures = await load('test/deploy/support/kube-fixtures.ts');
const { BASELINE_RULE, ISVC, NAMESPACE, SPLIT } = fixtures;

const RUNS = Number(process.env.KUBE_WEIGHT_RUNS ?? 20);
/** Each step's weight differs from the one before, so every apply changes the object. */
const WEIGHTS = [5, 25, 50, 100, 0];
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const ms = (value) => `${value.toFixed(1)} ms`;

/**
 * A watch on one object (`?watch=1&fieldSelector=metadata.name=…`) from its current resourceVersion: every
 * MODIFIED event goes through `weightOf`, and `next(weight)` resolves with the time the event carrying it arrived.
 */
async function watchWeights(kube, collection, name, weightOf) {
  const { json } = await kube.request('GET', `${collection}/${name}`);
  const waiting = [];
  const seen = [];
  const url = new URL(
    `${collection}?watch=1&fieldSelector=metadata.name%3D${name}&resourceVersion=${json.metadata.resourceVersion}`,
    kube.url,
  );
  const stream = request(url, { headers: { authorization: `Bearer ${kube.token}` }, ca: kube.ca });
  stream.on('response', (response) => {
    let buffer = '';
    response.on('data', (chunk) => {
      const at = performance.now();
      buffer += chunk.toString('utf8');
      let newline = buffer.indexOf('\n');
      while (newline >= 0) {
        const event = JSON.parse(buffer.slice(0, newline));
        buffer = buffer.slice(newline + 1);
        newline = buffer.indexOf('\n');
        if (event.type !== 'MODIFIED') continue;
        const weight = weightOf(event.object);
        seen.push({ weight, at });
        for (const waiter of waiting.splice(0)) waiter();
      }
    });
  });
  stream.on('error', () => {});
  stream.end();
  return {
    /** The arrival time of the first event from now on whose weight is `weight`. */
    async next(weight, since) {
      for (;;) {
        const hit = seen.find((entry) => entry.at >= since && entry.weight === weight);
        if (hit) return hit.at;
        await new Promise((resolve) => waiting.push(resolve));
      }
    },
    close: () => stream.destroy(),
  };
}

/** RUNS steps through `apply(weight)`: milliseconds from its call to the weight seen in the watch. */
async function measure(watch, apply) {
  const durations = [];
  for (let run = 0; run < RUNS; run += 1) {
    const weight = WEIGHTS[run % WEIGHTS.length];
    const started = performance.now();
    const seen = watch.next(weight, started);
    await apply(weight);
    durations.push((await seen) - started);
  }
  return durations;
}

function report(label, ours, floor) {
  const ratio = median(ours) / median(floor);
  console.log(
    `${label}: ours median ${ms(median(ours))} (min ${ms(Math.min(...ours))}, max ${ms(Math.max(...ours))}); ` +
      `floor (one server-side apply) median ${ms(median(floor))}; ratio ${ratio.toFixed(2)}× (goal ≤ 3×)`,
  );
  return ratio <= 3;
}

/**
 * The floor's request: one server-side apply over a kept-alive TLS connection (as a client such as kubectl or ours
 * keeps one), as the same field manager, so ownership stays where the provider expects it.
 */
function floorApplier(kube) {
  const agent = new Agent({ ca: kube.ca, keepAlive: true });
  return (path, object) =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify(object);
      const outgoing = request(
        new URL(`${path}?fieldManager=${FIELD_MANAGER}&force=true`, kube.url),
        {
          method: 'PATCH',
          agent,
          headers: {
            authorization: `Bearer ${kube.token}`,
            'content-type': 'application/apply-patch+yaml',
            accept: 'application/json',
          },
        },
        (response) => {
          const chunks = [];
          response.on('data', (chunk) => chunks.push(chunk));
          response.on('end', () =>
            response.statusCode < 300
              ? resolve()
              : reject(new Error(`floor apply: HTTP ${response.statusCode}: ${Buffer.concat(chunks)}`)),
          );
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
}

const kube = await startKube();
let passed = true;
try {
  const connection = { kubeconfig: kube.kubeconfigPath, namespace: NAMESPACE };
  const apply = floorApplier(kube);
  console.log(`kube-apiserver and etcd up in ${ms(kube.startupMs)}; ${RUNS} steps per measurement`);

  // gateway-api: the route and a ready candidate Deployment, as in test/deploy/gateway-api.test.ts.
  await fixtures.installHttpRouteCrd(kube);
  await fixtures.createWorkload(kube);
  await fixtures.markDeploymentReady(kube);
  const routes = `/apis/gateway.networking.k8s.io/v1/namespaces/${NAMESPACE}/httproutes`;
  const routeWatch = await watchWeights(kube, routes, SPLIT.route, (route) =>
    candidateWeightOf(route.spec.rules, SPLIT),
  );
  const gateway = await createProvider(
    { kind: 'gateway-api', split: SPLIT, candidateDeployment: SPLIT.candidate, readyTimeoutMs: 60_000, connection },
    { logger: silentLogger },
  );
  await gateway.preflight();
  const gatewayOurs = await measure(routeWatch, (weight) => gateway.setCandidateWeight(weight));
  const gatewayFloor = await measure(routeWatch, (weight) =>
    apply(`${routes}/${SPLIT.route}`, {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: SPLIT.route, namespace: NAMESPACE },
      spec: { rules: weightedRules([BASELINE_RULE], SPLIT, weight) },
    }),
  );
  routeWatch.close();
  passed = report('gateway-api (HTTPRoute backendRefs weights)', gatewayOurs, gatewayFloor) && passed;

  // kserve: the InferenceService, kept Ready by the same status player as test/deploy/kserve.test.ts.
  await fixtures.installInferenceServiceCrd(kube);
  await fixtures.createInferenceService(kube);
  const player = fixtures.kserveStatusPlayer(kube, { ready: true });
  const services = `/apis/serving.kserve.io/v1beta1/namespaces/${NAMESPACE}/inferenceservices`;
  const serviceWatch = await watchWeights(kube, services, ISVC.service, (service) => fixtures.kserveWeight(service));
  const kserve = await createProvider(
    { kind: 'kserve', split: ISVC, readyTimeoutMs: 60_000, connection },
    { logger: silentLogger },
  );
  await kserve.preflight();
  const kserveOurs = await measure(serviceWatch, (weight) => kserve.setCandidateWeight(weight));
  const kserveFloor = await measure(serviceWatch, (weight) =>
    apply(`${services}/${ISVC.service}`, {
      apiVersion: 'serving.kserve.io/v1beta1',
      kind: 'InferenceService',
      metadata: { name: ISVC.service, namespace: NAMESPACE },
      spec: { predictor: predictorFor(ISVC, weight) },
    }),
  );
  serviceWatch.close();
  await player.stop();
  passed = report('kserve (InferenceService canaryTrafficPercent)', kserveOurs, kserveFloor) && passed;
} finally {
  await kube.stop();
}
process.exitCode = passed ? 0 : 1;
