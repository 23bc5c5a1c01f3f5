import * as k8s from '@kubernetes/client-node';
import { causeOf } from '../kube/kube-config';
import { UserError } from '../user-error';

/** The parts of an Argo CD Application that promotion reads. */
export interface Application extends k8s.KubernetesObject {
  spec: { project?: string; source?: { repoURL?: string; targetRevision?: string; path?: string }; syncPolicy?: { automated?: object | null } };
  operation?: unknown;
  status?: {
    sync?: { status?: string; revision?: string; revisions?: string[] };
    conditions?: { type?: string; message?: string }[];
    health?: { status?: string; message?: string };
    operationState?: { phase?: string; message?: string; syncResult?: { revision?: string }; operation?: { sync?: { revision?: string } } };
    resources?: { kind?: string; name?: string; namespace?: string; health?: { status?: string; message?: string } }[];
  };
}

/** Reads and patches Applications through the Kubernetes API. */
export class ApplicationClient {
  private readonly objects: k8s.KubernetesObjectApi;

  constructor(config: k8s.KubeConfig) {
    this.objects = k8s.KubernetesObjectApi.makeApiClient(config);
  }

  async get(namespace: string, name: string): Promise<Application | undefined> {
    try {
      return (await this.objects.read<Application>({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name, namespace } })) as Application;
    } catch (error) {
      if ((error as { code?: number }).code === 404) return undefined;
      throw error;
    }
  }

  /** A JSON merge patch; with `resourceVersion` it applies only if nobody changed the object since. */
  async mergePatch(namespace: string, name: string, patch: Record<string, unknown>, resourceVersion?: string): Promise<Application> {
    const metadata = { ...((patch.metadata as object) ?? {}), name, namespace, ...(resourceVersion ? { resourceVersion } : {}) };
    return (await this.objects.patch(
      { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', ...patch, metadata } as k8s.KubernetesObject,
      undefined,
      undefined,
      'gitops-stack',
      undefined,
      k8s.PatchStrategy.MergePatch,
    )) as Application;
  }
}

const OBJECT_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Before a promotion is pushed: every Application it will wait for has a valid name, exists, and
 * can be read. A promotion that cannot be verified is refused while nothing has changed, instead
 * of being pushed and then failing (or being reverted) for a reason that was known beforehand.
 */
export async function assertApplicationsReadable(client: ApplicationClient, namespace: string, names: string[], clusterInput: string): Promise<void> {
  const bad = names.filter((name) => !OBJECT_NAME.test(name));
  if (bad.length)
    throw new UserError(
      `Input 'applicationPattern' gives '${bad[0]}', which cannot be an Application name (lowercase letters, digits, '-' and '.'); nothing was pushed.`,
    );
  const missing: string[] = [];
  for (const name of names) {
    const found = await client.get(namespace, name).catch((error: { code?: number }) => {
      if (error.code === 401 || error.code === 403)
        throw new UserError(
          `Input '${clusterInput}': the cluster refuses to show Application '${name}' in '${namespace}' (HTTP ${error.code}); the identity needs get, list, watch and patch on applications.argoproj.io there. Nothing was pushed.`,
        );
      throw new UserError(`Input '${clusterInput}': Application '${name}' in '${namespace}' cannot be read (${causeOf(error)}); nothing was pushed.`);
    });
    if (!found) missing.push(name);
  }
  if (missing.length)
    throw new UserError(
      `Argo CD Application${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')} not found in namespace '${namespace}' (inputs 'applicationPattern', 'argocdNamespace'): register the app with ArgoCDRegister first. Nothing was pushed.`,
    );
}
