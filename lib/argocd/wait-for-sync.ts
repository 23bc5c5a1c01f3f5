import { UserError } from '../user-error';
import type { Application, ApplicationClient } from './application';

export interface SyncWait {
  namespace: string;
  name: string;
  /** The commit Argo CD must have synced; without one, whatever its branch points at. */
  revision?: string;
  timeoutMs: number;
  pollMs?: number;
}

export interface SyncOutcome {
  healthy: boolean;
  /** Why not, in words: app, revision, phase, health and the first unhealthy resources. */
  reason: string;
  app?: Application;
}

const short = (sha?: string) => (sha ? sha.slice(0, 12) : 'none');

/** One line that says where the Application stands. */
export function describeApplication(app: Application | undefined, revision: string | undefined): string {
  const status = app?.status;
  const unhealthy = (status?.resources ?? [])
    .filter((r) => r.health?.status && r.health.status !== 'Healthy')
    .slice(0, 3)
    .map((r) => `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}: ${r.health!.status}${r.health!.message ? ` (${r.health!.message})` : ''}`);
  return [
    `Argo CD Application ${app?.metadata?.namespace}/${app?.metadata?.name}`,
    `wanted revision ${revision ? short(revision) : 'the branch tip'}`,
    `synced ${short(status?.sync?.revision)} (${status?.sync?.status ?? 'Unknown'})`,
    `operation ${status?.operationState?.phase ?? 'none'}${status?.operationState?.message ? ` (${status.operationState.message})` : ''}`,
    `health ${status?.health?.status ?? 'Unknown'}`,
    ...(unhealthy.length ? [`unhealthy: ${unhealthy.join('; ')}`] : []),
  ].join(', ');
}

/**
 * Asks Argo CD to refresh the Application, starts a sync when automated sync is
 * off (setting `.operation` only when it is empty, guarded by resourceVersion),
 * and waits until it has synced exactly `revision`, the operation Succeeded and
 * the app is Healthy. Degraded or a failed operation at that revision ends the
 * wait early; so does the timeout.
 */
export async function waitForSync(client: ApplicationClient, wait: SyncWait, log: (line: string) => void): Promise<SyncOutcome> {
  const { namespace, name, revision } = wait;
  const found = await client.get(namespace, name);
  if (!found)
    throw new UserError(
      `Argo CD Application ${namespace}/${name} was not found: check 'applicationPattern' and 'argocdNamespace', or register the app with ArgoCDRegister.`,
    );
  await client.mergePatch(namespace, name, { metadata: { annotations: { 'argocd.argoproj.io/refresh': 'normal' } } });

  const deadline = Date.now() + wait.timeoutMs;
  let syncRequested = false;
  let last = '';
  for (;;) {
    const app = (await client.get(namespace, name))!;
    const status = app.status ?? {};
    const atRevision =
      revision === undefined ? !!status.sync?.revision : status.sync?.revision === revision || (status.sync?.revisions ?? []).includes(revision);
    const operationRevision = status.operationState?.syncResult?.revision ?? status.operationState?.operation?.sync?.revision;
    const phase = status.operationState?.phase;
    const health = status.health?.status;

    const synced = atRevision && status.sync?.status === 'Synced';
    if (!app.spec.syncPolicy?.automated && !synced && !app.operation && !syncRequested) {
      try {
        await client.mergePatch(
          namespace,
          name,
          { operation: { sync: revision ? { revision } : {}, initiatedBy: { username: 'gitops-stack' }, info: [{ name: 'reason', value: 'promotion' }] } },
          app.metadata?.resourceVersion,
        );
        syncRequested = true;
        log(`${namespace}/${name}: automated sync is off; started a sync of ${revision ? short(revision) : 'the branch tip'}`);
      } catch (error) {
        if ((error as { code?: number }).code !== 409) throw error;
      }
    }

    const now = describeApplication(app, revision);
    if (now !== last) log(now);
    last = now;
    // sync.revision is what Argo CD last compared against, not what it deployed: a refresh sets it
    // before any sync, so success also needs the Synced status and an operation for this revision.
    const deployed = atRevision && status.sync?.status === 'Synced' && (revision === undefined ? !!operationRevision : operationRevision === revision);
    if (deployed && phase === 'Succeeded' && health === 'Healthy') return { healthy: true, reason: now, app };
    if (deployed && health === 'Degraded') return { healthy: false, reason: now, app };
    if ((revision === undefined || operationRevision === revision) && (phase === 'Failed' || phase === 'Error')) return { healthy: false, reason: now, app };
    if (Date.now() > deadline) return { healthy: false, reason: `timed out after ${Math.round(wait.timeoutMs / 1000)} s: ${now}`, app };
    await new Promise((resolve) => setTimeout(resolve, wait.pollMs ?? 2000));
  }
}
