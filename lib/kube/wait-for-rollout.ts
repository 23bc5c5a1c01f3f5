import * as k8s from '@kubernetes/client-node';
import { UserError } from '../user-error';

type Workload = k8s.V1Deployment | k8s.V1StatefulSet;
const KINDS = [
  { kind: 'Deployment', resource: 'deployments' },
  { kind: 'StatefulSet', resource: 'statefulsets' },
] as const;

/** Why a workload is not rolled out yet, or undefined when it is: observed, updated and ready. */
function pendingReason(kind: string, w: Workload): string | undefined {
  const wanted = w.spec?.replicas ?? 1;
  const status = w.status;
  if ((status?.observedGeneration ?? 0) < (w.metadata?.generation ?? 0)) return 'not yet observed by its controller';
  if ((status?.updatedReplicas ?? 0) < wanted) return `${status?.updatedReplicas ?? 0}/${wanted} updated`;
  const ready = kind === 'Deployment' ? ((status as k8s.V1DeploymentStatus)?.availableReplicas ?? 0) : (status?.readyReplicas ?? 0);
  if (ready < wanted) return `${ready}/${wanted} ${kind === 'Deployment' ? 'available' : 'ready'}`;
  if ((status?.replicas ?? 0) > wanted) return `${status?.replicas} replicas, old ones still terminating`;
  return undefined;
}

/** A Deployment whose progress deadline passed will not recover by waiting. */
function hopeless(kind: string, w: Workload): string | undefined {
  if (kind !== 'Deployment') return undefined;
  const progressing = (w as k8s.V1Deployment).status?.conditions?.find((c) => c.type === 'Progressing');
  return progressing?.status === 'False' ? `${progressing.reason}: ${progressing.message}` : undefined;
}

/** The reasons a workload's pods give (scheduling, image pulls, crashes, probes), and the warnings recorded against them. */
async function diagnose(config: k8s.KubeConfig, namespace: string, kind: string, w: Workload): Promise<string> {
  const core = config.makeApiClient(k8s.CoreV1Api);
  const selector = Object.entries(w.spec?.selector?.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const pods = (await core.listNamespacedPod({ namespace, labelSelector: selector })).items;
  const warnings = async (name: string) => {
    const events = (await core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` })).items.filter((e) => e.type === 'Warning');
    const last = events.sort((a, b) => String(a.lastTimestamp ?? a.eventTime ?? '').localeCompare(String(b.lastTimestamp ?? b.eventTime ?? ''))).pop();
    return last ? `${last.reason}: ${last.message}` : undefined;
  };
  if (pods.length === 0) return (await warnings(w.metadata!.name!)) ?? 'no pods created';
  const reasons: string[] = [];
  for (const pod of pods) {
    const conditions = pod.status?.conditions ?? [];
    if (conditions.find((c) => c.type === 'Ready')?.status === 'True') continue;
    const scheduled = conditions.find((c) => c.type === 'PodScheduled');
    const container = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].find((c) => !c.ready);
    const why =
      scheduled?.status === 'False'
        ? `${scheduled.reason}: ${scheduled.message}`
        : container?.state?.waiting
          ? `container ${container.name} ${container.state.waiting.reason}${container.state.waiting.message ? `: ${container.state.waiting.message}` : ''}`
          : container?.lastState?.terminated
            ? `container ${container.name} last exited ${container.lastState.terminated.reason} (code ${container.lastState.terminated.exitCode})`
            : ((await warnings(pod.metadata!.name!)) ?? 'not ready (readiness probe failing)');
    reasons.push(`pod ${pod.metadata!.name} ${pod.status?.phase ?? 'Unknown'}, ${why}`);
  }
  return reasons.join('; ') || `${kind} status not updated`;
}

/**
 * Waits, by watching (no polling loop), until every Deployment and StatefulSet
 * in the namespace (or those matching labelSelector) has rolled out. On timeout,
 * or a Deployment past its progress deadline, it names each workload still
 * pending and why, from its pods' conditions and events.
 */
export async function waitForRollout(
  config: k8s.KubeConfig,
  namespace: string,
  timeoutMs: number,
  log: (line: string) => void,
  options: { labelSelector?: string } = {},
): Promise<void> {
  const apps = config.makeApiClient(k8s.AppsV1Api);
  const state = new Map<string, { kind: string; workload: Workload }>();
  const versions: Record<string, string | undefined> = {};
  const [deployments, statefulSets] = await Promise.all([
    apps.listNamespacedDeployment({ namespace, labelSelector: options.labelSelector }),
    apps.listNamespacedStatefulSet({ namespace, labelSelector: options.labelSelector }),
  ]);
  for (const [kind, list] of [
    ['Deployment', deployments],
    ['StatefulSet', statefulSets],
  ] as const) {
    versions[kind] = list.metadata?.resourceVersion;
    for (const item of list.items) state.set(`${kind} ${item.metadata!.name}`, { kind, workload: item });
  }
  const pending = () => [...state.entries()].filter(([, v]) => pendingReason(v.kind, v.workload));
  if (pending().length === 0) return;
  log(
    `waiting for ${pending()
      .map(([name, v]) => `${name} (${pendingReason(v.kind, v.workload)})`)
      .join(', ')}`,
  );

  const watch = new k8s.Watch(config);
  const controllers: AbortController[] = [];
  let finished = false;
  try {
    await new Promise<void>((resolve, reject) => {
      const fail = async (headline: string, entries: [string, { kind: string; workload: Workload }][]) => {
        if (finished) return;
        finished = true;
        const details = await Promise.all(
          entries.map(async ([name, v]) => `${name}: ${await diagnose(config, namespace, v.kind, v.workload).catch((e: Error) => e.message)}`),
        );
        reject(new UserError(`${headline} in namespace ${namespace}: ${details.join(' | ')}`));
      };
      const timer = setTimeout(() => void fail(`Not ready after ${Math.round(timeoutMs / 1000)} s`, pending()), timeoutMs);
      const settle = () => {
        const left = pending();
        const stuck = left.filter(([, v]) => hopeless(v.kind, v.workload));
        if (stuck.length) {
          clearTimeout(timer);
          void fail('Rollout failed', stuck);
        } else if (left.length === 0 && !finished) {
          finished = true;
          clearTimeout(timer);
          resolve();
        }
      };
      const start = (kind: 'Deployment' | 'StatefulSet', resource: string) => {
        watch
          .watch(
            `/apis/apps/v1/namespaces/${namespace}/${resource}`,
            { labelSelector: options.labelSelector, resourceVersion: versions[kind], allowWatchBookmarks: true },
            (phase, object: Workload) => {
              if (phase === 'ERROR') {
                // Usually 410 Gone: the version is too old. Start again from now (the server replays current objects).
                versions[kind] = undefined;
                return;
              }
              if (object.metadata?.resourceVersion) versions[kind] = object.metadata.resourceVersion;
              if (phase === 'BOOKMARK') return;
              const key = `${kind} ${object.metadata!.name}`;
              const was = state.get(key) && pendingReason(kind, state.get(key)!.workload);
              if (phase === 'DELETED') state.delete(key);
              else state.set(key, { kind, workload: object });
              if (was && phase !== 'DELETED' && !pendingReason(kind, object)) log(`${key} is ready`);
              settle();
            },
            (error: unknown) => {
              // The server ends watches now and then; carry on from the last version seen (after a pause if it failed).
              if (!finished) setTimeout(() => !finished && start(kind, resource), error ? 1000 : 0);
            },
          )
          // A watch that connects after the wait ended is closed at once, so it cannot keep the process alive.
          .then(
            (controller) => (finished ? controller.abort() : controllers.push(controller)),
            (error: Error) => {
              clearTimeout(timer);
              finished = true;
              reject(error);
            },
          );
      };
      for (const { kind, resource } of KINDS) start(kind, resource);
    });
  } finally {
    finished = true;
    for (const controller of controllers) controller.abort();
  }
}
