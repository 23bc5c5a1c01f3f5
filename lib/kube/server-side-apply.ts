import * as k8s from '@kubernetes/client-node';
import { UserError } from '../user-error';

export const FIELD_MANAGER = 'gitops-stack';

/** The generic client for any kind, CRDs included. */
export function objectsApi(config: k8s.KubeConfig): k8s.KubernetesObjectApi {
  return k8s.KubernetesObjectApi.makeApiClient(config);
}

export interface AppliedObject {
  kind: string;
  name: string;
  namespace?: string;
  change: 'created' | 'updated' | 'unchanged';
}

export const objectKey = (o: k8s.KubernetesObject) => `${o.kind} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name}`;

export interface ApplyOptions {
  dryRun?: boolean;
  /** resourceVersion of each object that exists, by objectKey, when the caller listed them already (saves a read per object). */
  existing?: Map<string, string>;
  /** How many requests at once; order is kept only with 1. */
  concurrency?: number;
}

/**
 * Applies objects with server-side apply as the `gitops-stack` field manager
 * and says per object whether it was created, updated or left as it was (the
 * resourceVersion did not move). `dryRun` sends everything through the API
 * server's validation, CRD schemas included, and persists nothing.
 */
export async function serverSideApply(objects: k8s.KubernetesObjectApi, list: k8s.KubernetesObject[], options: ApplyOptions = {}): Promise<AppliedObject[]> {
  const applyOne = async (object: k8s.KubernetesObject): Promise<AppliedObject> => {
    const header = { apiVersion: object.apiVersion, kind: object.kind, metadata: { name: object.metadata!.name!, namespace: object.metadata?.namespace } };
    const before = options.existing
      ? options.existing.get(objectKey(object))
      : (
          await objects.read(header).catch((error: { code?: number }) => {
            if (error.code === 404) return undefined;
            throw error;
          })
        )?.metadata?.resourceVersion;
    let after: k8s.KubernetesObject;
    try {
      after = await objects.patch(object, undefined, options.dryRun ? 'All' : undefined, FIELD_MANAGER, true, k8s.PatchStrategy.ServerSideApply);
    } catch (error) {
      const body = (error as { body?: string }).body;
      let message = (error as Error).message;
      try {
        message = (JSON.parse(String(body)) as { message?: string }).message ?? message;
      } catch {
        // not a Status body
      }
      throw new UserError(`The cluster refused ${objectKey(object)}: ${message}`);
    }
    const change = !before ? 'created' : before === after.metadata?.resourceVersion ? 'unchanged' : 'updated';
    return { kind: object.kind!, name: object.metadata!.name!, namespace: object.metadata?.namespace, change };
  };
  const results: AppliedObject[] = new Array(list.length);
  let next = 0;
  const worker = async () => {
    while (next < list.length) {
      const index = next++;
      results[index] = await applyOne(list[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 1, list.length) }, worker));
  return results;
}
