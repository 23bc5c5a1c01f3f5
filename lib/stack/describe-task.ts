import { parse } from 'yaml';
import type { InputValues } from '../pipeline/read-inputs';
import { fillPattern } from '../gitops/path-pattern';

/** What one task would do with these validated inputs: the plan's words, shared by the CLI and the tasks. */
export function describeTask(task: string, inputs: InputValues): string[] {
  return DESCRIBE[task](inputs);
}

const list = (value: InputValue) =>
  String(value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
type InputValue = InputValues[string];

const DESCRIBE: Record<string, (i: InputValues) => string[]> = {
  'provision-aks': (i) => {
    const nodes = i.enableAutoscaling ? `${i.minCount}-${i.maxCount} × ${i.nodeVmSize} (autoscaling)` : `${i.nodeCount} × ${i.nodeVmSize}`;
    const actions = [
      `resource group ${i.resourceGroup} in ${i.location}${i.tags ? ` with tags ${String(i.tags).split('\n').join(', ')}` : ''}`,
      `AKS cluster ${i.clusterName} (DNS prefix ${i.dnsPrefix ?? i.clusterName}): ${nodes}, Kubernetes ${i.kubernetesVersion ?? "the region's default"}, network ${i.networkPlugin}` +
        `${i.enableWorkloadIdentity ? ', OIDC issuer and workload identity' : ''}${i.entraOnlyAuth ? ', Entra ID only (local accounts disabled)' : ''}`,
      i.createRegistry ? `container registry ${i.registryName} (${i.registrySku})` : `existing container registry ${i.registryName}`,
      `AcrPull on ${i.registryName} for the cluster's kubelet identity`,
    ];
    if (i.createStorage) actions.push(`storage account ${i.storageAccountName} (${i.storageSku}) with blob containers ${list(i.storageContainers).join(', ')}`);
    const verb = i.action === 'destroy' ? 'delete' : 'create or update';
    return [
      `${i.action}: ${verb} in subscription ${i.subscriptionId ?? "of connection '" + String(i.azureSubscription) + "'"}:`,
      ...actions.map((a) => `  - ${a}`),
    ];
  },
  'deploy-observability': (i) => [
    `server-side apply ${list(i.components).join(', ')} into namespace ${i.namespace} (${i.resourceProfile} sizes), pruning what an earlier run applied and this one does not`,
    i.storageBackend === 'azure-blob'
      ? `store logs, traces and profiles in Azure Blob Storage account ${i.storageAccountName} (containers ${i.logsContainer}, ${i.tracesContainer}, ${i.profilesContainer}), kept ${i.retentionDays} days`
      : `store logs, traces and profiles on ${i.volumeSize} persistent volumes, kept ${i.retentionDays} days`,
    `Grafana datasources linked both ways, dashboards, and alert rules for environments ${list(i.environments).join(', ')}`,
    `wait up to ${i.waitTimeoutMinutes} minutes until every component is ready`,
  ],
  'argocd-register': (i) => {
    const environments = parse(String(i.environments)) as { name: string; path: string; namespace: string; sync: string; slack?: string; email?: string }[];
    const app = String(i.appName);
    return [
      ...(i.installArgoCD === 'yes' ? [`install Argo CD ${i.argocdVersion} into namespace ${i.argocdNamespace}`] : []),
      `repository secret for ${i.configRepoUrl} (${i.configRepoAuth})`,
      `AppProject ${i.project}: source ${i.configRepoUrl}; destinations ${environments.map((e) => e.namespace).join(', ')}`,
      ...environments.map((e) => {
        const notify = [e.slack && `Slack ${e.slack}`, e.email && `e-mail ${e.email}`].filter(Boolean).join(', ');
        const path = fillPattern(e.path, app, e.name);
        return `Application ${app}-${e.name}: ${path} -> ${e.namespace}, ${e.sync === 'automated' ? 'automated sync with prune and self-heal' : 'manual sync'}${notify ? `; notify ${notify}` : ''}`;
      }),
      ...(i.syncAndWait ? [`sync and wait up to ${i.timeoutMinutes} minutes for Synced and Healthy`] : []),
    ];
  },
  'promote-env': (i) => {
    const what = i.sourceEnvironment ? `the image ${i.sourceEnvironment} runs` : `image ${i.image}`;
    const paths = list(i.apps).map((a) => fillPattern(String(i.pathPattern), a, String(i.targetEnvironment)));
    const actions = [
      `set ${list(i.apps).join(', ')} to ${what} in ${i.configRepoUrl}@${i.configRepoBranch} (${i.layout}, ${paths.join(', ')}), one commit, ${i.mode === 'pull-request' ? 'as a pull request' : 'pushed without force'}`,
    ];
    if (i.verify) {
      const apps = list(i.apps).map((a) => fillPattern(String(i.applicationPattern), a, String(i.targetEnvironment)));
      actions.push(
        `wait up to ${i.timeoutMinutes} minutes for Argo CD ${apps.join(', ')} to sync that commit and be Healthy${i.rollbackOnFailure ? '; git revert when not' : ''}`,
      );
    }
    return actions;
  },
};
