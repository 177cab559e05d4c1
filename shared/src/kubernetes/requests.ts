// The API requests we make, as plain data: built by pure functions (table-tested) and sent by client.ts.
export const FIELD_MANAGER = 'mlops-deploy';

export interface Resource {
  /** '' for the core group. */
  group: string;
  version: string;
  plural: string;
  kind: string;
}

export const RESOURCES = {
  httpRoute: { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'httproutes', kind: 'HTTPRoute' },
  inferenceService: {
    group: 'serving.kserve.io',
    version: 'v1beta1',
    plural: 'inferenceservices',
    kind: 'InferenceService',
  },
  deployment: { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment' },
  service: { group: '', version: 'v1', plural: 'services', kind: 'Service' },
  pod: { group: '', version: 'v1', plural: 'pods', kind: 'Pod' },
  event: { group: '', version: 'v1', plural: 'events', kind: 'Event' },
} as const satisfies Record<string, Resource>;

export interface ApiRequest {
  method: 'GET' | 'PATCH' | 'POST' | 'PUT' | 'DELETE';
  /** Path and query, e.g. /apis/apps/v1/namespaces/ml/deployments/model?x=y. */
  path: string;
  headers: Record<string, string>;
  body?: string;
}

const segment = encodeURIComponent;

/** /api/v1 or /apis/<group>/<version>, then the namespace and the resource. */
export function resourcePath(resource: Resource, namespace: string, name?: string, subresource?: string): string {
  const root = resource.group === '' ? `/api/${resource.version}` : `/apis/${resource.group}/${resource.version}`;
  const tail = [name, subresource].filter((part) => part !== undefined).map((part) => segment(part as string));
  return [root, 'namespaces', segment(namespace), resource.plural, ...tail].join('/');
}

function query(parameters: Record<string, string | number | boolean | undefined>): string {
  const pairs = Object.entries(parameters)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${segment(key)}=${segment(String(value))}`);
  return pairs.length === 0 ? '' : `?${pairs.join('&')}`;
}

const ACCEPT_JSON = { accept: 'application/json' };

export function getRequest(resource: Resource, namespace: string, name: string): ApiRequest {
  return { method: 'GET', path: resourcePath(resource, namespace, name), headers: ACCEPT_JSON };
}

export function listRequest(
  resource: Resource,
  namespace: string,
  selectors: { labelSelector?: string; fieldSelector?: string; limit?: number } = {},
): ApiRequest {
  return { method: 'GET', path: resourcePath(resource, namespace) + query(selectors), headers: ACCEPT_JSON };
}

/**
 * Server-side apply of `object` as field manager mlops-deploy. `force` takes the fields from their previous
 * managers; callers check ownership first (see ownership.ts), so only the user's own authoring tools lose them.
 */
export function applyRequest(
  resource: Resource,
  namespace: string,
  name: string,
  object: Record<string, unknown>,
  options: { force: boolean; subresource?: 'status'; fieldManager?: string },
): ApiRequest {
  const body = { apiVersion: apiVersion(resource), kind: resource.kind, metadata: { name, namespace }, ...object };
  return {
    method: 'PATCH',
    path:
      resourcePath(resource, namespace, name, options.subresource) +
      query({ fieldManager: options.fieldManager ?? FIELD_MANAGER, force: options.force ? true : undefined }),
    // JSON is YAML: the apply content type takes it as it is.
    headers: { ...ACCEPT_JSON, 'content-type': 'application/apply-patch+yaml' },
    body: JSON.stringify(body),
  };
}

/** The last lines of one container's log, through the pods/log subresource (the kubelet serves it). */
export function logRequest(
  namespace: string,
  pod: string,
  options: { container?: string | undefined; tailLines: number; limitBytes: number; previous?: boolean },
): ApiRequest {
  return {
    method: 'GET',
    path:
      resourcePath(RESOURCES.pod, namespace, pod, 'log') +
      query({
        container: options.container,
        tailLines: options.tailLines,
        limitBytes: options.limitBytes,
        previous: options.previous || undefined,
      }),
    // The apiserver refuses text/plain here (406); the log streams back as text whatever the Accept says.
    headers: { accept: '*/*' },
  };
}

/** Events about one object, e.g. a Pod, by the involvedObject field selector. */
export function eventsRequest(namespace: string, kind: string, name: string): ApiRequest {
  return listRequest(RESOURCES.event, namespace, {
    fieldSelector: `involvedObject.kind=${kind},involvedObject.name=${name}`,
  });
}

export function apiVersion(resource: Resource): string {
  return resource.group === '' ? resource.version : `${resource.group}/${resource.version}`;
}

/** `app=model,tier in (a,b)` from a Deployment's matchLabels (matchExpressions are not used by our callers). */
export function labelSelector(matchLabels: Record<string, string>): string {
  return Object.entries(matchLabels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}
