/**
 * The one table of the kinds we apply: in what order (what others refer to first, as gitops-engine's
 * kind order has it: namespaces and definitions, then identities and RBAC, then configuration and
 * services, then workloads and what routes to them), their API version, and whether they are
 * cluster-scoped. Apply runs the phases forwards, prune and delete backwards; the render sorts by
 * the table's rows. A kind not listed is still applied, in a phase of its own after all the others.
 */
export const KIND_ORDER: readonly { kind: string; apiVersion: string; phase: number; clusterScoped?: true }[] = [
  { kind: 'Namespace', apiVersion: 'v1', phase: 0, clusterScoped: true },
  { kind: 'CustomResourceDefinition', apiVersion: 'apiextensions.k8s.io/v1', phase: 0, clusterScoped: true },
  { kind: 'PriorityClass', apiVersion: 'scheduling.k8s.io/v1', phase: 0, clusterScoped: true },
  { kind: 'StorageClass', apiVersion: 'storage.k8s.io/v1', phase: 0, clusterScoped: true },
  { kind: 'ServiceAccount', apiVersion: 'v1', phase: 1 },
  { kind: 'ClusterRole', apiVersion: 'rbac.authorization.k8s.io/v1', phase: 1, clusterScoped: true },
  { kind: 'ClusterRoleBinding', apiVersion: 'rbac.authorization.k8s.io/v1', phase: 1, clusterScoped: true },
  { kind: 'Role', apiVersion: 'rbac.authorization.k8s.io/v1', phase: 1 },
  { kind: 'RoleBinding', apiVersion: 'rbac.authorization.k8s.io/v1', phase: 1 },
  { kind: 'ConfigMap', apiVersion: 'v1', phase: 2 },
  { kind: 'Secret', apiVersion: 'v1', phase: 2 },
  { kind: 'PersistentVolume', apiVersion: 'v1', phase: 2, clusterScoped: true },
  { kind: 'PersistentVolumeClaim', apiVersion: 'v1', phase: 2 },
  { kind: 'Service', apiVersion: 'v1', phase: 2 },
  { kind: 'StatefulSet', apiVersion: 'apps/v1', phase: 3 },
  { kind: 'Deployment', apiVersion: 'apps/v1', phase: 3 },
  { kind: 'DaemonSet', apiVersion: 'apps/v1', phase: 3 },
  { kind: 'Ingress', apiVersion: 'networking.k8s.io/v1', phase: 3 },
  { kind: 'ValidatingWebhookConfiguration', apiVersion: 'admissionregistration.k8s.io/v1', phase: 3, clusterScoped: true },
  { kind: 'MutatingWebhookConfiguration', apiVersion: 'admissionregistration.k8s.io/v1', phase: 3, clusterScoped: true },
  { kind: 'APIService', apiVersion: 'apiregistration.k8s.io/v1', phase: 3, clusterScoped: true },
];

/** The phase after every listed one: where a kind the table does not know is applied. */
const UNKNOWN_PHASE = Math.max(...KIND_ORDER.map((k) => k.phase)) + 1;

const row = (kind: string | undefined) => KIND_ORDER.findIndex((k) => k.kind === kind);

/** Objects sorted by the table (unknown kinds last), keeping their order within a kind. */
export function sortByKind<T extends { kind?: string }>(objects: T[]): T[] {
  const rank = (o: T) => (row(o.kind) < 0 ? KIND_ORDER.length : row(o.kind));
  return objects
    .map((object, index) => ({ object, index }))
    .sort((a, b) => rank(a.object) - rank(b.object) || a.index - b.index)
    .map((e) => e.object);
}

/** Objects grouped by phase, in apply order; unknown kinds form the last group. Empty phases are left out. */
export function phases<T extends { kind?: string }>(objects: T[]): T[][] {
  const phaseOf = (o: T) => KIND_ORDER[row(o.kind)]?.phase ?? UNKNOWN_PHASE;
  const groups: T[][] = [];
  for (let phase = 0; phase <= UNKNOWN_PHASE; phase++) {
    const group = objects.filter((o) => phaseOf(o) === phase);
    if (group.length) groups.push(group);
  }
  return groups;
}

export function isClusterScoped(kind: string): boolean {
  return KIND_ORDER[row(kind)]?.clusterScoped === true;
}
