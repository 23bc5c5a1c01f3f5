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

/** What an Application's status says of a promotion to `revision`: keep waiting, done, or failed (and why). */
export type Verdict = { state: 'wait' } | { state: 'healthy' } | { state: 'failed'; why: string };

/**
 * The decision, from the fields Argo CD itself reads for each state (its notification triggers):
 * - done: the wanted revision is Synced, an operation synced exactly it and Succeeded, health Healthy;
 * - failed: the Application is being deleted; a SyncError condition; a ComparisonError while the
 *   sync status is Unknown (nothing can be compared, so nothing will sync); the operation for the
 *   revision ended Failed or Error; the synced revision went Degraded;
 * - anything else (Running, Terminating on its way to Failed, Progressing, Missing, Suspended, an
 *   older revision's state) is waited for, until the timeout names where it stands.
 * `sync.revision` alone is what Argo CD last compared, not what it deployed: success needs the operation too.
 */
export function judgeApplication(app: Application, revision: string | undefined): Verdict {
  const status = app.status ?? {};
  const condition = (type: string) => status.conditions?.find((c) => c.type === type);
  if (app.metadata?.deletionTimestamp) return { state: 'failed', why: 'the Application is being deleted' };
  const syncError = condition('SyncError');
  if (syncError) return { state: 'failed', why: `SyncError: ${syncError.message ?? ''}`.trim() };
  const comparison = condition('ComparisonError');
  if (comparison && (status.sync?.status ?? 'Unknown') === 'Unknown') return { state: 'failed', why: `ComparisonError: ${comparison.message ?? ''}`.trim() };
  const atRevision = revision === undefined ? !!status.sync?.revision : status.sync?.revision === revision || (status.sync?.revisions ?? []).includes(revision);
  const operationRevision = status.operationState?.syncResult?.revision ?? status.operationState?.operation?.sync?.revision;
  const phase = status.operationState?.phase;
  const health = status.health?.status;
  const deployed = atRevision && status.sync?.status === 'Synced' && (revision === undefined ? !!operationRevision : operationRevision === revision);
  if ((revision === undefined || operationRevision === revision) && (phase === 'Failed' || phase === 'Error'))
    return { state: 'failed', why: `the sync ended ${phase}` };
  if (deployed && phase === 'Succeeded' && health === 'Healthy') return { state: 'healthy' };
  if (deployed && health === 'Degraded') return { state: 'failed', why: 'the synced revision is Degraded' };
  return { state: 'wait' };
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
    const verdict = judgeApplication(app, revision);
    if (verdict.state === 'healthy') return { healthy: true, reason: now, app };
    if (verdict.state === 'failed') return { healthy: false, reason: `${now}: ${verdict.why}`, app };
    if (Date.now() > deadline) return { healthy: false, reason: `timed out after ${Math.round(wait.timeoutMs / 1000)} s: ${now}`, app };
    await new Promise((resolve) => setTimeout(resolve, wait.pollMs ?? 2000));
  }
}
