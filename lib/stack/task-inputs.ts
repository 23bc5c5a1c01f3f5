import { stringify } from 'yaml';
import type { Stack } from './stack';

/** One task step of the stack, with the raw inputs the pipeline templates would give it. */
export interface TaskStep {
  task: string;
  title: string;
  inputs: Record<string, string>;
}

const KUBECONFIG = '$(ProvisionAks.kubeconfigPath)';
const optional = (value: string | number | boolean | undefined) => (value === undefined ? undefined : String(value));

function clean(inputs: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(inputs).filter((e): e is [string, string] => e[1] !== undefined));
}

/**
 * Maps a stack file onto the steps of the bootstrap and promotion templates:
 * ProvisionAks, DeployObservability, ArgoCDRegister, then one PromoteEnv per
 * environment. Secrets appear as `$(variable)` references, never as values.
 */
export function stackSteps(stack: Stack): TaskStep[] {
  const steps: TaskStep[] = [];
  const { azure, cluster, registry, storage } = stack;
  steps.push({
    task: 'provision-aks',
    title: 'ProvisionAks',
    inputs: clean({
      azureSubscription: azure.serviceConnection,
      action: 'plan',
      subscriptionId: azure.subscriptionId,
      resourceGroup: azure.resourceGroup,
      location: azure.location,
      tags: azure.tags
        ? Object.entries(azure.tags)
            .map(([k, v]) => `${k}=${v}`)
            .join('\n')
        : undefined,
      clusterName: cluster.name,
      dnsPrefix: cluster.dnsPrefix,
      kubernetesVersion: cluster.kubernetesVersion,
      nodeCount: optional(cluster.nodePool?.count),
      nodeVmSize: cluster.nodePool?.vmSize,
      enableAutoscaling: cluster.nodePool?.autoscaling ? 'true' : undefined,
      minCount: optional(cluster.nodePool?.autoscaling?.min),
      maxCount: optional(cluster.nodePool?.autoscaling?.max),
      networkPlugin: cluster.networkPlugin,
      enableWorkloadIdentity: optional(cluster.workloadIdentity),
      entraOnlyAuth: optional(cluster.entraOnlyAuth),
      createRegistry: optional(registry.create),
      registryName: registry.name,
      registrySku: registry.sku,
      registryResourceGroup: registry.resourceGroup,
      createStorage: storage ? 'true' : 'false',
      storageAccountName: storage?.accountName,
      storageSku: storage?.sku,
      storageContainers: storage?.containers
        ? [storage.containers.logs, storage.containers.traces, storage.containers.profiles].filter(Boolean).join(',')
        : undefined,
    }),
  });

  const observability = stack.observability ?? {};
  const blob = observability.storageBackend === 'azure-blob';
  steps.push({
    task: 'deploy-observability',
    title: 'DeployObservability',
    inputs: clean({
      clusterAccess: 'kubeconfigFile',
      kubeconfig: KUBECONFIG,
      namespace: observability.namespace,
      storageBackend: observability.storageBackend,
      storageAccountName: blob ? storage?.accountName : undefined,
      storageAccountKey: blob ? '$(ProvisionAks.storageAccountKey)' : undefined,
      logsContainer: blob ? storage?.containers?.logs : undefined,
      tracesContainer: blob ? storage?.containers?.traces : undefined,
      profilesContainer: blob ? storage?.containers?.profiles : undefined,
      retentionDays: optional(observability.retentionDays),
      environments: stack.environments.map((e) => e.name).join(','),
      alertEmailRecipients: observability.alertEmailRecipients?.join(','),
      // One mail server for the stack: Grafana's alert e-mail goes out the way Argo CD's does.
      ...(observability.alertEmailRecipients?.length && stack.argocd?.smtp
        ? {
            smtpHost: stack.argocd.smtp.host,
            smtpPort: optional(stack.argocd.smtp.port),
            smtpUsername: stack.argocd.smtp.username,
            smtpPassword: stack.argocd.smtp.passwordVariable ? `$(${stack.argocd.smtp.passwordVariable})` : undefined,
            smtpFrom: stack.argocd.smtp.from,
          }
        : {}),
    }),
  });

  const argocd = stack.argocd;
  if (argocd) {
    for (const app of stack.apps) {
      const environments = stack.environments.map((e) => ({
        name: e.name,
        path: stack.configRepo.pathPattern ?? 'apps/{app}/overlays/{env}',
        namespace: e.namespace,
        sync: e.sync ?? 'automated',
        ...(e.slackChannel ? { slack: e.slackChannel } : {}),
        ...(e.email?.length ? { email: e.email.join(',') } : {}),
      }));
      steps.push({
        task: 'argocd-register',
        title: `ArgoCDRegister ${app}`,
        inputs: clean({
          clusterAccess: 'kubeconfigFile',
          kubeconfig: KUBECONFIG,
          argocdNamespace: argocd.namespace,
          installArgoCD: argocd.install ? 'yes' : 'no',
          argocdVersion: argocd.version,
          configRepoUrl: stack.configRepo.url,
          configRepoAuth: 'token',
          configRepoToken: '$(System.AccessToken)',
          project: argocd.project,
          appName: app,
          environments: stringify(environments).trimEnd(),
          slackToken: argocd.slackTokenVariable ? `$(${argocd.slackTokenVariable})` : undefined,
          smtpHost: argocd.smtp?.host,
          smtpPort: optional(argocd.smtp?.port),
          smtpUsername: argocd.smtp?.username,
          smtpPassword: argocd.smtp?.passwordVariable ? `$(${argocd.smtp.passwordVariable})` : undefined,
          smtpFrom: argocd.smtp?.from,
        }),
      });
    }
  }

  stack.environments.forEach((environment, index) => {
    const source = index === 0 ? undefined : stack.environments[index - 1].name;
    steps.push({
      task: 'promote-env',
      title: source
        ? `PromoteEnv ${source} -> ${environment.name}${environment.approval ? ' (after approval)' : ''}`
        : `PromoteEnv new image -> ${environment.name}`,
      inputs: clean({
        configRepoUrl: stack.configRepo.url,
        configRepoBranch: stack.configRepo.branch,
        apps: stack.apps.join(','),
        sourceEnvironment: source,
        image: source ? undefined : '$(image)',
        targetEnvironment: environment.name,
        layout: stack.configRepo.layout,
        pathPattern: stack.configRepo.pathPattern,
        argocdNamespace: argocd?.namespace,
        kubeconfig: KUBECONFIG,
      }),
    });
  });
  return steps;
}
