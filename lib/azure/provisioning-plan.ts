import * as crypto from 'node:crypto';
import type { ManagedCluster } from '@azure/arm-containerservice';
import type { Registry } from '@azure/arm-containerregistry';
import type { ResourceGroup } from '@azure/arm-resources';
import type { StorageAccount } from '@azure/arm-storage';
import { UserError } from '../user-error';
import type { ArmClients } from './arm-clients';
import type { DesiredStack } from './desired-stack';

/** `recreate`: a resource whose create failed and whose fix needs a field that cannot change in place: deleted, then created. */
export type ChangeAction = 'create' | 'update' | 'recreate' | 'no change' | 'delete';

/** Provisioning states after which a resource is not what was asked for (a failed create or update, or one cancelled). */
const FAILED_STATES = new Set(['failed', 'canceled']);
export const hasFailed = (resource: { provisioningState?: string } | undefined) => FAILED_STATES.has(String(resource?.provisioningState).toLowerCase());
/** What a plan row says of a resource left in a failed state, and what apply does about it. */
const resent = (resource: { provisioningState?: string }) =>
  `provisioning state ${resource.provisioningState}: its PUT is sent again, for Azure to reconcile it`;

/** What a plan row is about: the key every step of apply and destroy matches on. */
export type StackResource = 'resourceGroup' | 'cluster' | 'registry' | 'acrPull' | 'storageAccount' | 'blobContainer';

/** How each resource is named in the plan, the summary and the messages: display only, never matched on. */
export const RESOURCE_LABELS: Record<StackResource, string> = {
  resourceGroup: 'resource group',
  cluster: 'AKS cluster',
  registry: 'container registry',
  acrPull: 'AcrPull role assignment',
  storageAccount: 'storage account',
  blobContainer: 'blob container',
};

export interface PlannedChange {
  /** Which resource of the stack this row is about. */
  kind: StackResource;
  /** Its label (RESOURCE_LABELS[kind]), as printed. */
  resource: string;
  name: string;
  action: ChangeAction;
  details: string[];
}

export interface CurrentState {
  resourceGroup?: ResourceGroup;
  cluster?: ManagedCluster;
  registry?: Registry;
  storage?: StorageAccount;
  containers: Set<string>;
  acrPull: boolean;
}

export const ACR_PULL_ROLE = '7f951dda-4ed3-4680-a7ca-43fe172d538d';

/** The id of a resource as Resource Manager spells it. */
export function resourceId(subscription: string, group: string, provider?: string, name?: string): string {
  return `/subscriptions/${subscription}/resourceGroups/${group}${provider ? `/providers/${provider}/${name}` : ''}`;
}

/** A role assignment's name derived from scope, principal and role, so the same grant is always the same PUT. */
export function roleAssignmentName(scope: string, principalId: string, role: string): string {
  const hex = crypto.createHash('sha1').update(`${scope.toLowerCase()}|${principalId}|${role}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}

async function optional<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    const { statusCode, code } = error as { statusCode?: number; code?: string };
    if (statusCode === 404 && code !== 'SubscriptionNotFound') return undefined;
    throw armProblem(error, 'reading what exists');
  }
}

/** An Azure error as one message a pipeline user can act on. */
export function armProblem(error: unknown, doing: string): Error {
  if (error instanceof UserError) return error;
  const { statusCode, code, message } = error as { statusCode?: number; code?: string; message?: string };
  if (code === 'SubscriptionNotFound')
    return new UserError(`The subscription is not visible to the service connection (${message}). Check 'subscriptionId' and the connection's scope.`);
  if (statusCode === 403 || code === 'AuthorizationFailed')
    return new UserError(
      `The service connection may not do this while ${doing}: ${message}. It needs Contributor and User Access Administrator (or Owner) on the subscription or resource group.`,
    );
  if (statusCode && code) return new UserError(`Azure refused ${doing}: ${code}: ${message}`);
  if (/long-running operation has failed/i.test(message ?? ''))
    return new UserError(`Azure could not finish ${doing}: ${message!.replace(/^The long-running operation has failed\.\s*/i, '')}`);
  return error instanceof Error ? error : new Error(String(error));
}

export async function readCurrent(clients: ArmClients, desired: DesiredStack): Promise<CurrentState> {
  const { resourceGroup: rg } = desired;
  const resourceGroup = await optional(() => clients.resources.resourceGroups.get(rg));
  const [cluster, registry, storage] = await Promise.all([
    resourceGroup ? optional(() => clients.aks.managedClusters.get(rg, desired.cluster.name)) : undefined,
    desired.registry.create && !resourceGroup ? undefined : optional(() => clients.acr.registries.get(desired.registry.resourceGroup, desired.registry.name)),
    desired.storage && resourceGroup ? optional(() => clients.storage.storageAccounts.getProperties(rg, desired.storage!.name)) : undefined,
  ]);
  const containers = new Set<string>();
  if (storage && desired.storage) {
    for (const name of desired.storage.containers)
      if (await optional(() => clients.storage.blobContainers.get(rg, desired.storage!.name, name))) containers.add(name);
  }
  let acrPull = false;
  const kubelet = cluster?.identityProfile?.kubeletidentity?.objectId;
  if (kubelet && registry?.id) {
    acrPull = !!(await optional(() =>
      clients.authorization.roleAssignments.get(registry.id!.replace(/^\//, ''), roleAssignmentName(registry.id!, kubelet, ACR_PULL_ROLE)),
    ));
  }
  return { resourceGroup, cluster, registry, storage, containers, acrPull };
}

/** The body of the cluster PUT: what exists, with the desired settings laid over it. */
export function clusterBody(desired: DesiredStack, current?: ManagedCluster): ManagedCluster {
  const c = desired.cluster;
  const pool = current?.agentPoolProfiles?.find((p) => p.mode === 'System') ?? current?.agentPoolProfiles?.[0];
  const network = c.networkPlugin === 'azure-overlay' ? { networkPlugin: 'azure', networkPluginMode: 'overlay' } : { networkPlugin: c.networkPlugin };
  return {
    ...(current ?? {}),
    location: desired.location,
    tags: desired.tags,
    identity: current?.identity ?? { type: 'SystemAssigned' },
    dnsPrefix: current?.dnsPrefix ?? c.dnsPrefix,
    ...(c.kubernetesVersion ? { kubernetesVersion: c.kubernetesVersion } : {}),
    agentPoolProfiles: [
      {
        ...(pool ?? {}),
        name: pool?.name ?? 'system',
        mode: 'System',
        osType: 'Linux',
        type: 'VirtualMachineScaleSets',
        vmSize: c.vmSize,
        count: c.nodeCount,
        enableAutoScaling: !!c.autoscaling,
        minCount: c.autoscaling?.min,
        maxCount: c.autoscaling?.max,
      },
    ],
    networkProfile: current?.networkProfile ?? (network as ManagedCluster['networkProfile']),
    oidcIssuerProfile: { enabled: c.workloadIdentity || !!current?.oidcIssuerProfile?.enabled },
    securityProfile: { ...(current?.securityProfile ?? {}), workloadIdentity: { enabled: c.workloadIdentity } },
    disableLocalAccounts: c.entraOnly,
    ...(c.entraOnly ? { aadProfile: { managed: true, enableAzureRbac: true } } : {}),
  } as ManagedCluster;
}

const sameTags = (a: Record<string, string> | undefined, b: Record<string, string>) =>
  JSON.stringify(Object.entries(a ?? {}).sort()) === JSON.stringify(Object.entries(b).sort());

/** What `apply` would change, resource by resource, with the changed fields. */
export function planChanges(desired: DesiredStack, current: CurrentState): PlannedChange[] {
  const changes: PlannedChange[] = [];
  const rg = current.resourceGroup;
  changes.push({
    kind: 'resourceGroup',
    resource: RESOURCE_LABELS.resourceGroup,
    name: desired.resourceGroup,
    action: !rg ? 'create' : sameTags(rg.tags, desired.tags) ? 'no change' : 'update',
    details: !rg ? [desired.location] : sameTags(rg.tags, desired.tags) ? [] : ['tags'],
  });

  const c = desired.cluster;
  const cluster = current.cluster;
  if (!cluster) {
    changes.push({
      kind: 'cluster',
      resource: RESOURCE_LABELS.cluster,
      name: c.name,
      action: 'create',
      details: [`${c.nodeCount} × ${c.vmSize}`, `network ${c.networkPlugin}`, ...(c.workloadIdentity ? ['workload identity'] : [])],
    });
  } else {
    const pool = cluster.agentPoolProfiles?.find((p) => p.mode === 'System') ?? cluster.agentPoolProfiles?.[0];
    const plugin = cluster.networkProfile?.networkPluginMode === 'overlay' ? 'azure-overlay' : cluster.networkProfile?.networkPlugin;
    const immutable = [
      ...(cluster.dnsPrefix && cluster.dnsPrefix !== c.dnsPrefix ? [`DNS prefix ${cluster.dnsPrefix} → ${c.dnsPrefix}`] : []),
      ...(plugin && plugin !== c.networkPlugin ? [`network plugin ${plugin} → ${c.networkPlugin}`] : []),
      ...(pool?.vmSize && pool.vmSize.toLowerCase() !== c.vmSize.toLowerCase() ? [`system pool VM size ${pool.vmSize} → ${c.vmSize}`] : []),
    ];
    // A cluster whose create failed runs nothing: when its fix needs a field that cannot change in
    // place (say the VM size Azure refused), it is deleted and created again; nothing else is touched.
    if (hasFailed(cluster) && immutable.length) {
      changes.push({
        kind: 'cluster',
        resource: RESOURCE_LABELS.cluster,
        name: c.name,
        action: 'recreate',
        details: [`provisioning state ${cluster.provisioningState}`, ...immutable, 'the failed cluster is deleted, then created again'],
      });
      return [...changes, ...planRest(desired, current, true)];
    }
    if (cluster.dnsPrefix && cluster.dnsPrefix !== c.dnsPrefix)
      throw new UserError(
        `The cluster ${c.name} has DNS prefix '${cluster.dnsPrefix}', which cannot be changed; set 'dnsPrefix' to it or use another cluster name.`,
      );
    if (plugin && plugin !== c.networkPlugin) throw new UserError(`The cluster ${c.name} uses network plugin ${plugin}, which cannot be changed in place.`);
    if (pool?.vmSize && pool.vmSize.toLowerCase() !== c.vmSize.toLowerCase())
      throw new UserError(
        `The cluster ${c.name}'s system pool runs ${pool.vmSize}; a node pool's VM size cannot be changed in place (add a new pool, or keep 'nodeVmSize' at ${pool.vmSize}).`,
      );
    const details: string[] = [];
    if (!c.autoscaling && pool?.count !== c.nodeCount) details.push(`node count ${pool?.count} → ${c.nodeCount}`);
    if (!!pool?.enableAutoScaling !== !!c.autoscaling) details.push(`autoscaling ${pool?.enableAutoScaling ? 'on' : 'off'} → ${c.autoscaling ? 'on' : 'off'}`);
    if (c.autoscaling && (pool?.minCount !== c.autoscaling.min || pool?.maxCount !== c.autoscaling.max))
      details.push(`autoscaling ${pool?.minCount}-${pool?.maxCount} → ${c.autoscaling.min}-${c.autoscaling.max}`);
    if (c.kubernetesVersion && cluster.kubernetesVersion !== c.kubernetesVersion)
      details.push(`Kubernetes ${cluster.kubernetesVersion} → ${c.kubernetesVersion}`);
    if (!!cluster.securityProfile?.workloadIdentity?.enabled !== c.workloadIdentity) details.push(`workload identity ${c.workloadIdentity ? 'on' : 'off'}`);
    if (!!cluster.disableLocalAccounts !== c.entraOnly) details.push(`local accounts ${c.entraOnly ? 'disabled' : 'enabled'}`);
    if (!sameTags(cluster.tags, desired.tags)) details.push('tags');
    if (hasFailed(cluster)) details.unshift(resent(cluster));
    changes.push({ kind: 'cluster', resource: RESOURCE_LABELS.cluster, name: c.name, action: details.length ? 'update' : 'no change', details });
  }
  return [...changes, ...planRest(desired, current, false)];
}

/** The plan rows after the resource group and the cluster; a recreated cluster has a new kubelet identity to grant. */
function planRest(desired: DesiredStack, current: CurrentState, clusterRecreated: boolean): PlannedChange[] {
  const changes: PlannedChange[] = [];

  const r = desired.registry;
  if (!current.registry) {
    if (!r.create)
      throw new UserError(
        `The container registry ${r.name} was not found in resource group ${r.resourceGroup}; set 'createRegistry' to create it, or 'registryResourceGroup' to where it is.`,
      );
    changes.push({ kind: 'registry', resource: RESOURCE_LABELS.registry, name: r.name, action: 'create', details: [r.sku] });
  } else if (r.create) {
    const details = [
      ...(hasFailed(current.registry) ? [resent(current.registry)] : []),
      ...(current.registry.sku?.name !== r.sku ? [`SKU ${current.registry.sku?.name} → ${r.sku}`] : []),
      ...(sameTags(current.registry.tags, desired.tags) ? [] : ['tags']),
    ];
    changes.push({ kind: 'registry', resource: RESOURCE_LABELS.registry, name: r.name, action: details.length ? 'update' : 'no change', details });
  } else {
    changes.push({ kind: 'registry', resource: RESOURCE_LABELS.registry, name: r.name, action: 'no change', details: ['existing, not managed'] });
  }
  changes.push({
    kind: 'acrPull',
    resource: RESOURCE_LABELS.acrPull,
    name: `kubelet → ${r.name}`,
    action: current.acrPull && !clusterRecreated ? 'no change' : 'create',
    details: clusterRecreated ? ["for the new cluster's kubelet identity"] : [],
  });

  const s = desired.storage;
  if (s) {
    if (!current.storage) changes.push({ kind: 'storageAccount', resource: RESOURCE_LABELS.storageAccount, name: s.name, action: 'create', details: [s.sku] });
    else {
      const details = [
        ...(hasFailed(current.storage) ? [resent(current.storage)] : []),
        ...(current.storage.sku?.name !== s.sku ? [`SKU ${current.storage.sku?.name} → ${s.sku}`] : []),
        ...(sameTags(current.storage.tags, desired.tags) ? [] : ['tags']),
      ];
      changes.push({
        kind: 'storageAccount',
        resource: RESOURCE_LABELS.storageAccount,
        name: s.name,
        action: details.length ? 'update' : 'no change',
        details,
      });
    }
    for (const container of s.containers)
      changes.push({
        kind: 'blobContainer',
        resource: RESOURCE_LABELS.blobContainer,
        name: `${s.name}/${container}`,
        action: current.containers.has(container) ? 'no change' : 'create',
        details: [],
      });
  }
  return changes;
}

/** Before creating, a registry or storage account name must be free across Azure: "taken" is said plainly. */
export async function checkNamesAvailable(clients: ArmClients, desired: DesiredStack, changes: PlannedChange[]): Promise<void> {
  const problems: string[] = [];
  if (changes.some((c) => c.kind === 'registry' && c.action === 'create')) {
    const status = await clients.acr.registries
      .checkNameAvailability({ name: desired.registry.name, type: 'Microsoft.ContainerRegistry/registries' })
      .catch((error: unknown) => Promise.reject(armProblem(error, `checking the registry name ${desired.registry.name}`)));
    if (status.nameAvailable === false)
      problems.push(`Input 'registryName': '${desired.registry.name}' is taken (${status.reason}): registry names are global across Azure; choose another.`);
  }
  if (desired.storage && changes.some((c) => c.kind === 'storageAccount' && c.action === 'create')) {
    const status = await clients.storage.storageAccounts
      .checkNameAvailability({ name: desired.storage.name, type: 'Microsoft.Storage/storageAccounts' })
      .catch((error: unknown) => Promise.reject(armProblem(error, `checking the storage account name ${desired.storage!.name}`)));
    if (status.nameAvailable === false)
      problems.push(
        `Input 'storageAccountName': '${desired.storage.name}' is taken (${status.reason}): storage account names are global across Azure; choose another.`,
      );
  }
  if (problems.length) throw new UserError(problems.join('\n'));
}
