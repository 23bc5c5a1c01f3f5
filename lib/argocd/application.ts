import * as k8s from '@kubernetes/client-node';

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
