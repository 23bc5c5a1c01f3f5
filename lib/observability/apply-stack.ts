import { createHash } from 'node:crypto';
import type * as k8s from '@kubernetes/client-node';
import { type AppliedObject, FIELD_MANAGER, objectKey, serverSideApply } from '../kube/server-side-apply';
import { isClusterScoped, KIND_ORDER, phases } from '../kube/kind-order';
import { inventorySelector, type K8sObject } from './workload';

/**
 * The kinds the stack renders: what an apply owns, lists back by the inventory labels and may prune.
 * (Not PersistentVolumeClaims: the volumes hold the data and stay.) Order and API versions come
 * from the one kind table, lib/kube/kind-order.ts.
 */
export const INVENTORY_KINDS = [
  'Namespace',
  'ServiceAccount',
  'ClusterRole',
  'ClusterRoleBinding',
  'ConfigMap',
  'Secret',
  'Service',
  'StatefulSet',
  'Deployment',
  'Ingress',
];
const CONCURRENCY = 8;

/**
 * Set on every applied object but Secrets: the hash of what was applied. The
 * same hash on an object nobody else has written since means there is nothing to send.
 */
export const APPLIED_HASH = 'gitops-stack.dev/applied-hash';

function stamp(object: K8sObject): K8sObject {
  if (object.kind === 'Secret') return object;
  const hash = createHash('sha256').update(JSON.stringify(object)).digest('hex').slice(0, 16);
  return { ...object, metadata: { ...object.metadata, annotations: { ...object.metadata?.annotations, [APPLIED_HASH]: hash } } };
}

/** Every object an earlier apply to this namespace left, found by the inventory labels. */
export async function listInventory(objects: k8s.KubernetesObjectApi, namespace: string): Promise<k8s.KubernetesObject[]> {
  const lists = await Promise.all(
    KIND_ORDER.filter((k) => INVENTORY_KINDS.includes(k.kind)).map(async ({ kind, apiVersion }) => {
      const list = await objects.list(
        apiVersion,
        kind,
        isClusterScoped(kind) ? undefined : namespace,
        undefined,
        undefined,
        undefined,
        undefined,
        inventorySelector(namespace),
      );
      return list.items.map((item) => ({ ...item, apiVersion, kind }));
    }),
  );
  return lists.flat();
}

/** Written only by us, or by controllers through a subresource (status): no one edited what we applied. */
function untouched(live: k8s.KubernetesObject): boolean {
  return (live.metadata?.managedFields ?? []).every((f) => f.manager === FIELD_MANAGER || f.subresource);
}

export interface StackApplyResult {
  applied: AppliedObject[];
  pruned: string[];
}

/**
 * Server-side applies the rendered stack in phases, after a dry run of all it
 * sends, so a refusal leaves the cluster as it was (the namespace aside). It sends
 * only what changed in the render or was edited on the cluster by someone else.
 * Then deletes what an earlier apply made and this render no longer has.
 */
export async function applyStack(
  objects: k8s.KubernetesObjectApi,
  rendered: K8sObject[],
  namespace: string,
  log: (line: string) => void,
): Promise<StackApplyResult> {
  const stamped = rendered.map(stamp);
  const before = await listInventory(objects, namespace);
  const existing = new Map(before.map((o) => [objectKey(o), o.metadata!.resourceVersion!]));
  const live = new Map(before.map((o) => [objectKey(o), o]));
  const same = (o: K8sObject) => {
    const current = live.get(objectKey(o));
    return (
      o.kind !== 'Secret' &&
      current !== undefined &&
      current.metadata?.annotations?.[APPLIED_HASH] === o.metadata?.annotations?.[APPLIED_HASH] &&
      untouched(current)
    );
  };
  const applied: AppliedObject[] = stamped
    .filter(same)
    .map((o) => ({ kind: o.kind!, name: o.metadata!.name!, namespace: o.metadata?.namespace, change: 'unchanged' }));
  let pending = stamped.filter((o) => !same(o));
  const [namespaceObject] = stamped;
  // Namespaced dry runs need the namespace to exist.
  if (!existing.has(objectKey(namespaceObject))) {
    applied.push(...(await serverSideApply(objects, [namespaceObject], { existing })));
    pending = pending.filter((o) => o !== namespaceObject);
  }
  if (pending.length) await serverSideApply(objects, pending, { dryRun: true, existing, concurrency: CONCURRENCY });
  // Order matters only for what is created: when everything exists already, one batch.
  const batches = pending.every((o) => existing.has(objectKey(o))) ? [pending] : phases(pending);
  for (const phase of batches) applied.push(...(await serverSideApply(objects, phase, { existing, concurrency: CONCURRENCY })));
  for (const result of applied) if (result.change !== 'unchanged') log(`${result.kind} ${result.name}: ${result.change}`);

  const wanted = new Set(stamped.map(objectKey));
  const pruned = await deleteInOrder(
    objects,
    before.filter((o) => !wanted.has(objectKey(o))),
  );
  for (const name of pruned) log(`${name}: pruned (no longer rendered)`);
  return { applied, pruned };
}

/** `delete`: removes every object an apply made in this namespace. The namespace and the volumes stay (they hold the data). */
export async function deleteStack(objects: k8s.KubernetesObjectApi, namespace: string): Promise<string[]> {
  return deleteInOrder(
    objects,
    (await listInventory(objects, namespace)).filter((o) => o.kind !== 'Namespace'),
  );
}

async function deleteInOrder(objects: k8s.KubernetesObjectApi, victims: k8s.KubernetesObject[]): Promise<string[]> {
  const deleted: string[] = [];
  for (const phase of phases(victims).reverse()) {
    await Promise.all(
      phase.map(async (o) => {
        await objects.delete(o).catch((error: { code?: number }) => {
          if (error.code !== 404) throw error;
        });
        deleted.push(objectKey(o));
      }),
    );
  }
  return deleted;
}
