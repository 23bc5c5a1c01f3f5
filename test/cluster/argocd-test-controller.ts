import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as k8s from '@kubernetes/client-node';
import { parse } from 'yaml';

/**
 * A small stand-in for Argo CD's application controller, for tests on the real
 * control plane (Argo CD itself cannot run here). It keeps the fields Argo CD
 * keeps, the way Argo CD keeps them: a refresh (annotation) resolves the branch
 * to a commit and sets `status.sync.revision` with OutOfSync; automated apps,
 * or a manual `.operation`, then sync through `status.operationState`
 * (Running, then Succeeded), and health follows the image the commit deploys.
 * Only file:// repositories; it never looks at a branch without a refresh.
 */
export interface TestControllerOptions {
  kubeconfig: string;
  namespace: string;
  /** Image tags whose rollout goes Degraded. */
  degradedTags?: string[];
  /** Image tags whose rollout never finishes (Progressing). */
  stuckTags?: string[];
  /** Image tags whose sync operation fails (phase Failed, as when an object is refused on apply). */
  failingTags?: string[];
  /**
   * Image tags that end in the other states Argo CD knows: operation Error; Terminating (then
   * Failed); a SyncError condition; a ComparisonError with sync Unknown; Succeeded but health
   * Missing or Suspended.
   */
  states?: Partial<Record<'Error' | 'Terminating' | 'SyncError' | 'ComparisonError' | 'Missing' | 'Suspended', string[]>>;
  tickMs?: number;
}

interface Status {
  sync?: { status: string; revision: string };
  conditions?: { type: string; message: string; lastTransitionTime: string }[];
  operationState?: {
    phase: string;
    operation: { sync: { revision: string } };
    syncResult?: { revision: string };
    startedAt: string;
    finishedAt?: string;
    message?: string;
  };
  health?: { status: string; message?: string };
  resources?: unknown[];
}

/** Automated sync does not try a commit again whose sync failed (Argo CD without a retry policy). */
const failedAt = (status: Status, revision: string) =>
  ['Failed', 'Error'].includes(status.operationState?.phase ?? '') && status.operationState?.syncResult?.revision === revision;

export function controllerTick(objects: k8s.KubernetesObjectApi, options: TestControllerOptions): Promise<void> {
  return tick(objects, options);
}

async function tick(objects: k8s.KubernetesObjectApi, options: TestControllerOptions): Promise<void> {
  const list = await objects.list<
    k8s.KubernetesObject & {
      spec: { source: { repoURL: string; path: string; targetRevision?: string }; syncPolicy?: { automated?: object } };
      operation?: { sync?: { revision?: string } };
      status?: Status;
    }
  >('argoproj.io/v1alpha1', 'Application', options.namespace);
  for (const app of list.items) {
    const { name, namespace, annotations = {} } = app.metadata!;
    const status: Status = JSON.parse(JSON.stringify(app.status ?? {}));
    const patch: Record<string, unknown> = {};
    const bare = new URL(app.spec.source.repoURL).pathname;
    const branch = app.spec.source.targetRevision ?? 'HEAD';

    if (annotations['argocd.argoproj.io/refresh'] || !status.sync) {
      const target = execFileSync('git', ['--git-dir', bare, 'rev-parse', branch === 'HEAD' ? 'HEAD' : `refs/heads/${branch}`], { encoding: 'utf8' }).trim();
      const deployed = status.operationState?.phase === 'Succeeded' ? status.operationState.syncResult?.revision : undefined;
      status.sync = { status: target === deployed ? 'Synced' : 'OutOfSync', revision: target };
      patch.metadata = { annotations: { 'argocd.argoproj.io/refresh': null } };
    }
    if (status.operationState?.phase === 'Terminating')
      status.operationState = { ...status.operationState, phase: 'Failed', finishedAt: new Date().toISOString(), message: 'Operation terminated' };
    const running = status.operationState?.phase === 'Running';
    if (running) {
      const revision = status.operationState!.operation.sync.revision;
      const overlay = execFileSync('git', ['--git-dir', bare, 'show', `${revision}:${app.spec.source.path}/kustomization.yaml`], { encoding: 'utf8' });
      const tag = String((parse(overlay) as { images?: { newTag?: string }[] }).images?.[0]?.newTag ?? '');
      const state = (Object.entries(options.states ?? {}) as [string, string[]][]).find(([, tags]) => tags.includes(tag))?.[0];
      const now = new Date().toISOString();
      if (state === 'Error') {
        status.operationState = {
          ...status.operationState!,
          phase: 'Error',
          syncResult: { revision },
          finishedAt: now,
          message: 'rpc error: code = Unavailable',
        };
      } else if (state === 'Terminating') {
        // What Argo CD shows while it stops an operation; the next tick ends it Failed (below).
        status.operationState = { ...status.operationState!, phase: 'Terminating', syncResult: { revision }, message: 'Operation is terminating' };
      } else if (state === 'SyncError') {
        status.conditions = [{ type: 'SyncError', message: 'Failed sync attempt: one or more synchronization tasks are not valid', lastTransitionTime: now }];
      } else if (state === 'ComparisonError') {
        status.sync = { status: 'Unknown', revision };
        status.conditions = [
          { type: 'ComparisonError', message: 'rpc error: Manifest generation error (cached): kustomize build failed', lastTransitionTime: now },
        ];
      } else if (options.failingTags?.includes(tag)) {
        // As Argo CD records a sync whose apply was refused: the operation Failed, the app still OutOfSync.
        status.operationState = {
          ...status.operationState!,
          phase: 'Failed',
          syncResult: { revision },
          finishedAt: new Date().toISOString(),
          message: 'one or more objects failed to apply, reason: Deployment.apps "sample-app" is invalid',
        };
        status.sync = { status: 'OutOfSync', revision: status.sync?.revision ?? revision };
      } else {
        const health =
          state === 'Missing' || state === 'Suspended'
            ? state
            : options.degradedTags?.includes(tag)
              ? 'Degraded'
              : options.stuckTags?.includes(tag)
                ? 'Progressing'
                : 'Healthy';
        const message =
          health === 'Degraded'
            ? `Deployment "${name}" exceeded its progress deadline`
            : health === 'Progressing'
              ? 'Waiting for rollout to finish: 0 of 2 updated replicas are available...'
              : undefined;
        delete status.conditions; // a good sync clears an earlier SyncError or ComparisonError
        status.operationState = {
          ...status.operationState!,
          phase: 'Succeeded',
          syncResult: { revision },
          finishedAt: new Date().toISOString(),
          message: 'successfully synced (all tasks run)',
        };
        status.sync = { status: status.sync?.revision === revision ? 'Synced' : 'OutOfSync', revision: status.sync?.revision ?? revision };
        status.health = { status: health, ...(message ? { message } : {}) };
        status.resources = [
          {
            group: 'apps',
            version: 'v1',
            kind: 'Deployment',
            namespace: `${name}`,
            name: app.metadata!.name,
            status: 'Synced',
            health: { status: health, ...(message ? { message } : {}) },
          },
        ];
      }
    } else {
      const wanted = app.operation
        ? (app.operation.sync?.revision ?? status.sync?.revision)
        : app.spec.syncPolicy?.automated && status.sync?.status === 'OutOfSync' && !failedAt(status, status.sync.revision)
          ? status.sync.revision
          : undefined;
      if (wanted) {
        status.operationState = { phase: 'Running', operation: { sync: { revision: wanted } }, startedAt: new Date().toISOString() };
        if (app.operation) patch.operation = null;
      }
    }
    if (JSON.stringify(status) !== JSON.stringify(app.status ?? {}) || Object.keys(patch).length) {
      await objects.patch(
        {
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'Application',
          metadata: { name, namespace, ...((patch.metadata as object) ?? {}) },
          ...('operation' in patch ? { operation: null } : {}),
          status,
        } as k8s.KubernetesObject,
        undefined,
        undefined,
        'argocd-test-controller',
        undefined,
        k8s.PatchStrategy.MergePatch,
      );
    }
  }
}

/** Runs the controller in a worker thread, so it keeps working while a test blocks in spawnSync. */
export function startArgoTestController(options: TestControllerOptions): { stop(): Promise<void> } {
  const worker = new Worker(path.join(__dirname, 'argocd-test-controller-worker.js'), { workerData: options });
  worker.on('error', (error) => console.error(`argocd test controller: ${error.message}`));
  return {
    async stop() {
      await worker.terminate();
    },
  };
}
