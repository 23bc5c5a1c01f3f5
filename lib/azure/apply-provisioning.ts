import type { ManagedCluster } from '@azure/arm-containerservice';
import { UserError } from '../user-error';
import type { ArmClients } from './arm-clients';
import type { DesiredStack } from './desired-stack';
import { ACR_PULL_ROLE, armProblem, clusterBody, roleAssignmentName, type CurrentState, type PlannedChange } from './provisioning-plan';
import { traced } from '../telemetry/task-trace';

export interface Provisioned {
  cluster: ManagedCluster;
  registryLoginServer: string;
  registryId: string;
  /** The cluster user kubeconfig (YAML). */
  kubeconfig: string;
  storageKey?: string;
}

const needs = (changes: PlannedChange[], resource: string) => changes.some((c) => c.resource === resource && c.action !== 'no change');
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
 * Sends only what the plan needs, in dependency order and in parallel where
 * nothing depends: the resource group; then the cluster, the registry and the
 * storage account (then its containers) side by side; then AcrPull for the
 * kubelet identity once both exist. Credentials and keys are read at the end.
 */
export async function applyProvisioning(
  clients: ArmClients,
  desired: DesiredStack,
  current: CurrentState,
  changes: PlannedChange[],
  log: (line: string) => void,
): Promise<Provisioned> {
  const rg = desired.resourceGroup;
  const poll = { updateIntervalInMs: clients.pollIntervalMs };
  if (needs(changes, 'resource group')) {
    await step(`resource group ${rg}`, log, () => clients.resources.resourceGroups.createOrUpdate(rg, { location: desired.location, tags: desired.tags }));
  }

  const clusterWork = needs(changes, 'AKS cluster')
    ? step(`AKS cluster ${desired.cluster.name}`, log, async () => {
        const cluster = await clients.aks.managedClusters.createOrUpdate(rg, desired.cluster.name, clusterBody(desired, current.cluster), poll);
        if (cluster.provisioningState && cluster.provisioningState !== 'Succeeded')
          throw new UserError(`The AKS cluster ${desired.cluster.name} ended in state ${cluster.provisioningState}.`);
        return cluster;
      })
    : Promise.resolve(current.cluster!);
  const registryWork = needs(changes, 'container registry')
    ? step(`container registry ${desired.registry.name}`, log, () =>
        clients.acr.registries.create(
          desired.registry.resourceGroup,
          desired.registry.name,
          { location: desired.location, tags: desired.tags, sku: { name: desired.registry.sku }, adminUserEnabled: false },
          poll,
        ),
      )
    : Promise.resolve(current.registry!);
  const storageWork = desired.storage
    ? (async () => {
        const s = desired.storage!;
        if (needs(changes, 'storage account')) {
          await step(`storage account ${s.name}`, log, () =>
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
          );
        }
        await allSettled(
          s.containers
            .filter((c) => !current.containers.has(c))
            .map((c) => step(`blob container ${c}`, log, () => clients.storage.blobContainers.create(rg, s.name, c, { publicAccess: 'None' } as never))),
        );
        const keys = await step(
          `storage account keys of ${s.name}`,
          () => {},
          () => clients.storage.storageAccounts.listKeys(rg, s.name),
        );
        return keys.keys?.[0]?.value;
      })()
    : Promise.resolve(undefined);

  // Every branch runs to its end before a failure is reported: a task that stopped at the first
  // failure would leave the others writing to Azure after it said it had failed.
  const [cluster, registry, storageKey] = await allSettled([clusterWork, registryWork, storageWork] as const);
  const kubelet = cluster.identityProfile?.kubeletidentity?.objectId;
  if (!kubelet) throw new UserError(`The AKS cluster ${desired.cluster.name} reports no kubelet identity: is it using a managed identity?`);
  if (needs(changes, 'AcrPull role assignment')) {
    await step(`AcrPull on ${desired.registry.name} for the kubelet identity`, log, () => grantAcrPull(clients, registry.id!, kubelet, desired.subscriptionId));
  }
  const credentials = await step(
    'cluster credentials',
    () => {},
    () => clients.aks.managedClusters.listClusterUserCredentials(rg, desired.cluster.name),
  );
  const value = credentials.kubeconfigs?.[0]?.value;
  if (!value) throw new UserError(`The AKS cluster ${desired.cluster.name} returned no kubeconfig.`);
  return { cluster, registryLoginServer: registry.loginServer!, registryId: registry.id!, kubeconfig: Buffer.from(value).toString('utf8'), storageKey };
}

/** Promise.all that waits for every promise, then throws the first failure. */
async function allSettled<T extends readonly unknown[]>(work: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const results = await Promise.allSettled(work);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** A new kubelet identity takes a while to reach Entra ID: PrincipalNotFound is retried; RoleAssignmentExists is success. */
async function grantAcrPull(clients: ArmClients, registryId: string, principalId: string, subscription: string): Promise<void> {
  const name = roleAssignmentName(registryId, principalId, ACR_PULL_ROLE);
  for (let attempt = 1; ; attempt++) {
    try {
      // The scope goes without its leading slash: the client joins it to the endpoint with one.
      await clients.authorization.roleAssignments.create(registryId.replace(/^\//, ''), name, {
        roleDefinitionId: `/subscriptions/${subscription}/providers/Microsoft.Authorization/roleDefinitions/${ACR_PULL_ROLE}`,
        principalId,
        principalType: 'ServicePrincipal',
      });
      return;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'RoleAssignmentExists') return;
      if (code !== 'PrincipalNotFound' || attempt >= 8) throw error;
      await wait(Math.min(250 * 2 ** attempt, 10_000));
    }
  }
}

/** Deletes the resource group (everything in it), or only the named resources. */
export async function destroyProvisioning(
  clients: ArmClients,
  desired: DesiredStack,
  current: CurrentState,
  wholeGroup: boolean,
  log: (line: string) => void,
): Promise<PlannedChange[]> {
  const poll = { updateIntervalInMs: clients.pollIntervalMs };
  const gone: PlannedChange[] = [];
  if (!current.resourceGroup) return gone;
  if (wholeGroup) {
    await step(`delete resource group ${desired.resourceGroup}`, log, () => clients.resources.resourceGroups.beginDeleteAndWait(desired.resourceGroup, poll));
    return [{ resource: 'resource group', name: desired.resourceGroup, action: 'delete', details: ['and everything in it'] }];
  }
  const work: Promise<unknown>[] = [];
  if (current.cluster) {
    work.push(
      step(`delete AKS cluster ${desired.cluster.name}`, log, () => clients.aks.managedClusters.delete(desired.resourceGroup, desired.cluster.name, poll)),
    );
    gone.push({ resource: 'AKS cluster', name: desired.cluster.name, action: 'delete', details: [] });
  }
  if (current.storage && desired.storage) {
    work.push(
      step(`delete storage account ${desired.storage.name}`, log, () => clients.storage.storageAccounts.delete(desired.resourceGroup, desired.storage!.name)),
    );
    gone.push({ resource: 'storage account', name: desired.storage.name, action: 'delete', details: [] });
  }
  if (current.registry && desired.registry.create) {
    work.push(
      step(`delete container registry ${desired.registry.name}`, log, () =>
        clients.acr.registries.delete(desired.registry.resourceGroup, desired.registry.name, poll),
      ),
    );
    gone.push({ resource: 'container registry', name: desired.registry.name, action: 'delete', details: [] });
  }
  await allSettled(work);
  return gone;
}
