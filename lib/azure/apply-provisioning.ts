import type { ManagedCluster } from '@azure/arm-containerservice';
import { UserError } from '../user-error';
import type { ArmClients } from './arm-clients';
import type { DesiredStack } from './desired-stack';
import {
  ACR_PULL_ROLE,
  armProblem,
  clusterBody,
  type CurrentState,
  type PlannedChange,
  RESOURCE_LABELS,
  roleAssignmentName,
  type StackResource,
} from './provisioning-plan';
import { traced } from '../telemetry/task-trace';

export interface Provisioned {
  cluster: ManagedCluster;
  registryLoginServer: string;
  registryId: string;
  /** The cluster user kubeconfig (YAML). */
  kubeconfig: string;
  storageKey?: string;
}

/** Where apply reports: log lines, and the agent's progress bar with what is being waited for. */
export interface ApplyReport {
  log(line: string): void;
  progress(percent: number, operation: string): void;
}

/** A long-running operation as the Azure SDKs return it: awaitable, with a callback after each poll. */
interface Poller<T> extends PromiseLike<T> {
  onProgress(callback: (state: { status: string }) => void): unknown;
}

const change = (changes: PlannedChange[], kind: StackResource) => changes.find((c) => c.kind === kind && c.action !== 'no change');
const needs = (changes: PlannedChange[], kind: StackResource) => change(changes, kind) !== undefined;
const elapsed = (since: number) => {
  const seconds = Math.round((Date.now() - since) / 1000);
  return seconds < 90 ? `${seconds} s` : `${Math.round(seconds / 60)} min`;
};

function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });
}

async function step<T>(doing: string, log: (line: string) => void, body: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    const result = await traced(doing, { 'cloud.provider': 'azure' }, body);
    log(`${doing}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return result;
  } catch (error) {
    throw armProblem(error, doing);
  }
}

/**
 * The branches of an apply, side by side. The first to fail aborts the others (their requests
 * and polls stop: nothing more is written after the task has said it failed) and is the one
 * reported; an abort it caused elsewhere is not.
 */
class Branches {
  readonly abort = new AbortController();
  private readonly running: Promise<unknown>[] = [];
  private failure?: { error: unknown };

  add<T>(work: Promise<T>): Promise<T> {
    const guarded = work.catch((error: unknown) => {
      if (!this.failure) {
        this.failure = { error };
        this.abort.abort(new Error('stopped: another part of the apply failed'));
      }
      throw error;
    });
    this.running.push(guarded);
    return guarded;
  }

  async settle(): Promise<void> {
    await Promise.allSettled(this.running);
    if (this.failure) throw this.failure.error;
  }
}

/**
 * Sends only what the plan needs, in dependency order and in parallel where nothing depends:
 * the resource group; then the cluster, the registry and the storage account (then its
 * containers) side by side; AcrPull for the kubelet identity as soon as cluster and registry
 * exist. Credentials and keys are read at the end. Each long operation's polls move the
 * progress bar with what is being waited for.
 */
export async function applyProvisioning(
  clients: ArmClients,
  desired: DesiredStack,
  current: CurrentState,
  changes: PlannedChange[],
  report: ApplyReport,
): Promise<Provisioned> {
  const { log } = report;
  const rg = desired.resourceGroup;
  const branches = new Branches();
  const signal = branches.abort.signal;
  const pending = changes.filter((c) => c.action !== 'no change').length || 1;
  let finished = 0;
  const progressed = () => report.progress(15 + Math.round((80 * finished) / pending), `${finished} of ${pending} changes made`);
  /** Awaits a long operation, reporting each poll: "AKS cluster aks-gitops-cluster: Creating, 4 min". */
  const longOperation = async <T>(what: string, verb: string, poller: Poller<T>): Promise<T> => {
    const since = Date.now();
    poller.onProgress(() => report.progress(15 + Math.round((80 * finished) / pending), `${what}: ${verb}, ${elapsed(since)}`));
    return poller;
  };
  const done = <T>(result: T): T => {
    finished++;
    progressed();
    return result;
  };
  const poll = { updateIntervalInMs: clients.pollIntervalMs, abortSignal: signal };

  if (needs(changes, 'resourceGroup')) {
    await step(`resource group ${rg}`, log, () => clients.resources.resourceGroups.createOrUpdate(rg, { location: desired.location, tags: desired.tags }));
    done(undefined);
  }

  const clusterChange = change(changes, 'cluster');
  const clusterName = desired.cluster.name;
  const clusterWork = branches.add(
    clusterChange
      ? step(`AKS cluster ${clusterName}`, log, async () => {
          if (clusterChange.action === 'recreate') {
            await longOperation(`AKS cluster ${clusterName}`, 'Deleting the failed cluster', clients.aks.managedClusters.delete(rg, clusterName, poll));
            log(`AKS cluster ${clusterName}: the failed cluster was deleted; creating it again`);
          }
          const existing = clusterChange.action === 'recreate' ? undefined : current.cluster;
          const verb = existing ? 'Updating' : 'Creating';
          const cluster = await longOperation(
            `AKS cluster ${clusterName}`,
            verb,
            clients.aks.managedClusters.createOrUpdate(rg, clusterName, clusterBody(desired, existing), poll),
          );
          if (cluster.provisioningState && cluster.provisioningState !== 'Succeeded')
            throw new UserError(`The AKS cluster ${clusterName} ended in state ${cluster.provisioningState}.`);
          return done(cluster);
        })
      : Promise.resolve(current.cluster!),
  );
  const registryWork = branches.add(
    needs(changes, 'registry')
      ? step(`container registry ${desired.registry.name}`, log, async () =>
          done(
            await longOperation(
              `container registry ${desired.registry.name}`,
              current.registry ? 'Updating' : 'Creating',
              clients.acr.registries.create(
                desired.registry.resourceGroup,
                desired.registry.name,
                { location: desired.location, tags: desired.tags, sku: { name: desired.registry.sku }, adminUserEnabled: false },
                poll,
              ),
            ),
          ),
        )
      : Promise.resolve(current.registry!),
  );
  const storageWork = branches.add(desired.storage ? applyStorage(desired.storage) : Promise.resolve(undefined));
  // AcrPull needs the kubelet identity and the registry, not the storage.
  const acrPullWork = branches.add(
    Promise.all([clusterWork, registryWork]).then(async ([cluster, registry]) => {
      const kubelet = cluster.identityProfile?.kubeletidentity?.objectId;
      if (!kubelet) throw new UserError(`The AKS cluster ${clusterName} reports no kubelet identity: is it using a managed identity?`);
      if (needs(changes, 'acrPull')) {
        await step(`AcrPull on ${desired.registry.name} for the kubelet identity`, log, () =>
          grantAcrPull(clients, registry.id!, kubelet, desired.subscriptionId, signal),
        );
        done(undefined);
      }
    }),
  );
  await branches.settle();
  const [cluster, registry, storageKey] = await Promise.all([clusterWork, registryWork, storageWork, acrPullWork]);

  const credentials = await step(
    'cluster credentials',
    () => {},
    () => clients.aks.managedClusters.listClusterUserCredentials(rg, clusterName),
  );
  const value = credentials.kubeconfigs?.[0]?.value;
  if (!value) throw new UserError(`The AKS cluster ${clusterName} returned no kubeconfig.`);
  return { cluster, registryLoginServer: registry.loginServer!, registryId: registry.id!, kubeconfig: Buffer.from(value).toString('utf8'), storageKey };

  async function applyStorage(s: NonNullable<DesiredStack['storage']>): Promise<string | undefined> {
    if (needs(changes, 'storageAccount')) {
      await step(`storage account ${s.name}`, log, async () =>
        done(
          await longOperation(
            `storage account ${s.name}`,
            current.storage ? 'Updating' : 'Creating',
            clients.storage.storageAccounts.create(
              rg,
              s.name,
              {
                location: desired.location,
                tags: desired.tags,
                sku: { name: s.sku as never },
                kind: 'StorageV2',
                minimumTlsVersion: 'TLS1_2',
                allowBlobPublicAccess: false,
                enableHttpsTrafficOnly: true,
              } as never,
              poll,
            ),
          ),
        ),
      );
    }
    await Promise.all(
      s.containers
        .filter((c) => !current.containers.has(c))
        .map((c) =>
          step(`blob container ${c}`, log, async () =>
            done(await clients.storage.blobContainers.create(rg, s.name, c, { publicAccess: 'None' } as never, { abortSignal: signal })),
          ),
        ),
    );
    const keys = await step(
      `storage account keys of ${s.name}`,
      () => {},
      () => clients.storage.storageAccounts.listKeys(rg, s.name, { abortSignal: signal }),
    );
    return keys.keys?.[0]?.value;
  }
}

/** A new kubelet identity takes a while to reach Entra ID: PrincipalNotFound is retried; RoleAssignmentExists is success. */
async function grantAcrPull(clients: ArmClients, registryId: string, principalId: string, subscription: string, signal: AbortSignal): Promise<void> {
  const name = roleAssignmentName(registryId, principalId, ACR_PULL_ROLE);
  for (let attempt = 1; ; attempt++) {
    try {
      // The scope goes without its leading slash: the client joins it to the endpoint with one.
      await clients.authorization.roleAssignments.create(
        registryId.replace(/^\//, ''),
        name,
        {
          roleDefinitionId: `/subscriptions/${subscription}/providers/Microsoft.Authorization/roleDefinitions/${ACR_PULL_ROLE}`,
          principalId,
          principalType: 'ServicePrincipal',
        },
        { abortSignal: signal },
      );
      return;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'RoleAssignmentExists') return;
      if (code !== 'PrincipalNotFound' || attempt >= 8) throw error;
      await wait(Math.min(250 * 2 ** attempt, 10_000), signal);
    }
  }
}

/** What destroy will delete and what it keeps, before the first DELETE. */
export function destroyPreview(desired: DesiredStack, current: CurrentState, wholeGroup: boolean): { deletes: PlannedChange[]; keeps: PlannedChange[] } {
  const deletes: PlannedChange[] = [];
  const keeps: PlannedChange[] = [];
  if (!current.resourceGroup) return { deletes, keeps };
  const inGroup = (resourceGroup: string) => resourceGroup.toLowerCase() === desired.resourceGroup.toLowerCase();
  const row = (kind: StackResource, name: string, details: string[] = []): PlannedChange => ({
    kind,
    resource: RESOURCE_LABELS[kind],
    name,
    action: 'delete',
    details,
  });
  if (wholeGroup) deletes.push(row('resourceGroup', desired.resourceGroup, ['and everything in it']));
  if (current.cluster) deletes.push(row('cluster', desired.cluster.name, wholeGroup ? ['with the group'] : []));
  if (current.storage && desired.storage) deletes.push(row('storageAccount', desired.storage.name, wholeGroup ? ['with the group'] : []));
  if (current.registry) {
    const registryGoes = (wholeGroup && inGroup(desired.registry.resourceGroup)) || (!wholeGroup && desired.registry.create);
    if (registryGoes) deletes.push(row('registry', desired.registry.name, wholeGroup ? ['with the group'] : []));
    else
      keeps.push({
        kind: 'registry',
        resource: RESOURCE_LABELS.registry,
        name: desired.registry.name,
        action: 'no change',
        details: ['kept: not created by this task'],
      });
    // A grant on a registry that stays would outlive the cluster it was for.
    if (!registryGoes && current.acrPull) deletes.push(row('acrPull', `kubelet → ${desired.registry.name}`, ['granted by this task']));
  }
  return { deletes, keeps };
}

/**
 * Deletes what `destroyPreview` listed (and the task printed): the resource group (everything in it),
 * or only the named resources, and the AcrPull grant on a registry that stays.
 */
export async function destroyProvisioning(
  clients: ArmClients,
  desired: DesiredStack,
  current: CurrentState,
  deletes: PlannedChange[],
  report: ApplyReport,
): Promise<PlannedChange[]> {
  const { log } = report;
  const poll = { updateIntervalInMs: clients.pollIntervalMs };
  const deleting = (kind: StackResource) => deletes.some((d) => d.kind === kind);
  const grant = deleting('acrPull');
  const kubelet = current.cluster?.identityProfile?.kubeletidentity?.objectId;
  if (grant && kubelet && current.registry?.id) {
    const scope = current.registry.id;
    await step(`delete AcrPull on ${desired.registry.name}`, log, () =>
      clients.authorization.roleAssignments.delete(scope.replace(/^\//, ''), roleAssignmentName(scope, kubelet, ACR_PULL_ROLE)),
    );
  }
  if (deleting('resourceGroup')) {
    await step(`delete resource group ${desired.resourceGroup}`, log, async () => {
      const since = Date.now();
      const poller = await clients.resources.resourceGroups.beginDelete(desired.resourceGroup, poll);
      poller.onProgress(() => report.progress(50, `resource group ${desired.resourceGroup}: Deleting, ${elapsed(since)}`));
      return poller.pollUntilDone();
    });
    return deletes;
  }
  const branches = new Branches();
  if (deleting('cluster'))
    branches.add(
      step(`delete AKS cluster ${desired.cluster.name}`, log, () => clients.aks.managedClusters.delete(desired.resourceGroup, desired.cluster.name, poll)),
    );
  if (deleting('storageAccount'))
    branches.add(
      step(`delete storage account ${desired.storage!.name}`, log, () => clients.storage.storageAccounts.delete(desired.resourceGroup, desired.storage!.name)),
    );
  if (deleting('registry'))
    branches.add(
      step(`delete container registry ${desired.registry.name}`, log, () =>
        clients.acr.registries.delete(desired.registry.resourceGroup, desired.registry.name, poll),
      ),
    );
  await branches.settle();
  return deletes;
}
