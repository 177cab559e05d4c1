// Who owns the fields we are about to set, from metadata.managedFields. A controller that owns them (Argo Rollouts,
// Flagger, a GitOps agent) would fight every step we take, so we refuse before changing anything; the tools a
// person authors objects with (kubectl, Helm) hand their fields over to our forced apply.
import { FIELD_MANAGER } from './requests.js';

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  subresource?: string;
  fieldsV1?: Record<string, unknown>;
}

/** Manager-name patterns of well-known controllers, for a message that says what the manager is. */
const KNOWN_CONTROLLERS: readonly [RegExp, string][] = [
  [/rollouts/i, 'Argo Rollouts'],
  [/flagger/i, 'Flagger'],
  [/argocd|argo-cd/i, 'Argo CD'],
  [/kustomize-controller|helm-controller/i, 'Flux'],
];

/** Tools that author objects for a person or a pipeline: owning a field through them is no claim to keep it. */
const AUTHORING_TOOLS = /^(kubectl(-[a-z-]+)?|helm|before-first-apply)$/;

export interface FieldOwner {
  manager: string;
  /** "Argo Rollouts", "Flagger", … when the manager name says so. */
  known?: string | undefined;
  /** The field, dotted: spec.rules. */
  field: string;
}

/** Whether a FieldsV1 set holds `path` itself or anything under it. */
function holds(fields: Record<string, unknown> | undefined, path: readonly string[]): boolean {
  let node: unknown = fields;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return false;
    node = (node as Record<string, unknown>)[`f:${key}`];
    if (node === undefined) return false;
  }
  return true;
}

/**
 * The managers other than ours, and other than authoring tools, that own any of `paths` (each a list of keys, e.g.
 * ['spec', 'rules']) on the main resource (status subresource entries are the controllers' own and are skipped).
 */
export function conflictingOwners(
  managedFields: readonly ManagedFieldsEntry[] | undefined,
  paths: readonly (readonly string[])[],
): FieldOwner[] {
  const owners: FieldOwner[] = [];
  for (const entry of managedFields ?? []) {
    const manager = entry.manager ?? '';
    if (manager === FIELD_MANAGER || AUTHORING_TOOLS.test(manager) || (entry.subresource ?? '') !== '') continue;
    for (const path of paths) {
      if (!holds(entry.fieldsV1, path)) continue;
      const known = KNOWN_CONTROLLERS.find(([pattern]) => pattern.test(manager))?.[1];
      owners.push({ manager, known, field: path.join('.') });
    }
  }
  return owners;
}

/** "Argo Rollouts (manager argo-rollouts) owns spec.rules" for an error message. */
export function describeOwners(owners: readonly FieldOwner[]): string {
  return owners
    .map(
      (owner) =>
        `${owner.known ? `${owner.known} (manager "${owner.manager}")` : `manager "${owner.manager}"`} owns ${owner.field}`,
    )
    .join('; ');
}
