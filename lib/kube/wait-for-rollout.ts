import * as k8s from '@kubernetes/client-node';
import { UserError } from '../user-error';

/** Waits until every Deployment and StatefulSet in the namespace has rolled out: observed, updated and ready. */
export async function waitForRollout(config: k8s.KubeConfig, namespace: string, timeoutMs: number, log: (line: string) => void, pollMs = 1000): Promise<void> {
  const apps = config.makeApiClient(k8s.AppsV1Api);
  const deadline = Date.now() + timeoutMs;
  let pending: string[] = [];
  for (;;) {
    const [deployments, statefulSets] = await Promise.all([apps.listNamespacedDeployment({ namespace }), apps.listNamespacedStatefulSet({ namespace })]);
    pending = [
      ...deployments.items.filter((d) => (d.status?.observedGeneration ?? 0) < (d.metadata?.generation ?? 0) || (d.status?.updatedReplicas ?? 0) < (d.spec?.replicas ?? 1) || (d.status?.availableReplicas ?? 0) < (d.spec?.replicas ?? 1)).map((d) => `Deployment ${d.metadata?.name} (${d.status?.availableReplicas ?? 0}/${d.spec?.replicas ?? 1} available)`),
      ...statefulSets.items.filter((s) => (s.status?.observedGeneration ?? 0) < (s.metadata?.generation ?? 0) || (s.status?.readyReplicas ?? 0) < (s.spec?.replicas ?? 1)).map((s) => `StatefulSet ${s.metadata?.name} (${s.status?.readyReplicas ?? 0}/${s.spec?.replicas ?? 1} ready)`),
    ];
    if (pending.length === 0) return;
    if (Date.now() > deadline) throw new UserError(`Not ready in namespace ${namespace} after ${Math.round(timeoutMs / 1000)} s: ${pending.join(', ')}`);
    log(`waiting for ${pending.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
