import { UserError } from '../user-error';

/** What ProvisionAks makes exist, from its inputs. */
export interface DesiredStack {
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  tags: Record<string, string>;
  cluster: {
    name: string;
    dnsPrefix: string;
    kubernetesVersion?: string;
    nodeCount: number;
    vmSize: string;
    autoscaling?: { min: number; max: number };
    networkPlugin: 'azure-overlay' | 'azure' | 'kubenet';
    workloadIdentity: boolean;
    entraOnly: boolean;
  };
  registry: { create: boolean; name: string; sku: 'Basic' | 'Standard' | 'Premium'; resourceGroup: string };
  storage?: { name: string; sku: string; containers: string[] };
}

export interface ProvisionAksInputs {
  [name: string]: string | number | boolean | undefined;
  azureSubscription: string;
  action: 'plan' | 'apply' | 'destroy';
  subscriptionId?: string;
  resourceGroup: string;
  location: string;
  tags?: string;
  clusterName: string;
  dnsPrefix?: string;
  kubernetesVersion?: string;
  nodeCount: number;
  nodeVmSize: string;
  enableAutoscaling: boolean;
  minCount?: number;
  maxCount?: number;
  networkPlugin: DesiredStack['cluster']['networkPlugin'];
  enableWorkloadIdentity: boolean;
  entraOnlyAuth: boolean;
  createRegistry: boolean;
  registryName: string;
  registrySku?: DesiredStack['registry']['sku'];
  registryResourceGroup?: string;
  createStorage: boolean;
  storageAccountName?: string;
  storageSku?: string;
  storageContainers?: string;
  destroyResourceGroup?: boolean;
}

/** The desired state, after the rules across inputs that task.json cannot state. */
export function desiredStack(inputs: ProvisionAksInputs, subscriptionId: string): DesiredStack {
  const problems: string[] = [];
  const tags: Record<string, string> = {};
  for (const line of (inputs.tags ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)) {
    const at = line.indexOf('=');
    tags[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  if (Object.keys(tags).length > 50) problems.push("Input 'tags': Azure allows at most 50 tags per resource.");
  const nodeCount = Number(inputs.nodeCount);
  if (!Number.isInteger(nodeCount)) problems.push(`Input 'nodeCount' (${inputs.nodeCount}) must be a whole number.`);
  let autoscaling: DesiredStack['cluster']['autoscaling'];
  if (inputs.enableAutoscaling) {
    autoscaling = { min: Number(inputs.minCount), max: Number(inputs.maxCount) };
    if (autoscaling.min > autoscaling.max) problems.push(`Input 'minCount' (${autoscaling.min}) must not exceed 'maxCount' (${autoscaling.max}).`);
    if (nodeCount < autoscaling.min || nodeCount > autoscaling.max)
      problems.push(`Input 'nodeCount' (${nodeCount}) must lie between 'minCount' and 'maxCount' when autoscaling is on.`);
  }
  if (!/^Standard_[A-Za-z0-9]+(_[A-Za-z0-9]+)*$/.test(inputs.nodeVmSize))
    problems.push(`Input 'nodeVmSize' ('${inputs.nodeVmSize}') is not an Azure VM size such as Standard_D2s_v5.`);
  if (inputs.networkPlugin === 'kubenet' && inputs.enableWorkloadIdentity === false && inputs.entraOnlyAuth)
    problems.push('Entra-only authentication needs Azure RBAC; use it with workload identity.');
  if (problems.length) throw new UserError(problems.join('\n'));
  return {
    subscriptionId,
    resourceGroup: inputs.resourceGroup,
    location: inputs.location,
    tags,
    cluster: {
      name: inputs.clusterName,
      dnsPrefix: inputs.dnsPrefix ?? inputs.clusterName.replace(/_/g, '-').slice(0, 54).replace(/-+$/, ''),
      kubernetesVersion: inputs.kubernetesVersion,
      nodeCount,
      vmSize: inputs.nodeVmSize,
      autoscaling,
      networkPlugin: inputs.networkPlugin,
      workloadIdentity: inputs.enableWorkloadIdentity,
      entraOnly: inputs.entraOnlyAuth,
    },
    registry: {
      create: inputs.createRegistry,
      name: inputs.registryName,
      sku: inputs.registrySku ?? 'Standard',
      resourceGroup: inputs.registryResourceGroup || inputs.resourceGroup,
    },
    storage: inputs.createStorage
      ? {
          name: inputs.storageAccountName!,
          sku: inputs.storageSku ?? 'Standard_LRS',
          containers: (inputs.storageContainers ?? '')
            .split(',')
            .map((c) => c.trim())
            .filter(Boolean),
        }
      : undefined,
  };
}
