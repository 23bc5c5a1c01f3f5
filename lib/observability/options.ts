import { UserError } from '../user-error';

export const COMPONENTS = ['loki', 'tempo', 'pyroscope', 'prometheus', 'alloy', 'grafana'] as const;
export type Component = (typeof COMPONENTS)[number];

/** DeployObservability's inputs, as task.json declares them. */
export interface DeployObservabilityInputs {
  [name: string]: string | number | boolean | undefined;
  action: 'apply' | 'render' | 'delete';
  clusterAccess?: 'kubeconfigFile' | 'serviceConnection';
  kubeconfig?: string;
  kubernetesServiceConnection?: string;
  namespace: string;
  components: string;
  resourceProfile: 'small' | 'medium' | 'large';
  storageBackend: 'filesystem' | 'azure-blob';
  storageAccountName?: string;
  storageAccountKey?: string;
  logsContainer?: string;
  tracesContainer?: string;
  profilesContainer?: string;
  volumeSize: string;
  storageClassName?: string;
  retentionDays: number;
  grafanaExposure: 'ClusterIP' | 'LoadBalancer' | 'Ingress';
  grafanaIngressHost?: string;
  grafanaIngressClass?: string;
  grafanaAdminPassword?: string;
  otlpExposure: 'none' | 'LoadBalancer' | 'Ingress';
  otlpIngressHost?: string;
  otlpToken?: string;
  environments: string;
  alertEmailRecipients?: string;
  alertSlackWebhookUrl?: string;
  smtpHost?: string;
  smtpPort?: number;
  smtpUsername?: string;
  smtpPassword?: string;
  smtpFrom?: string;
  smtpStartTls?: 'MandatoryStartTLS' | 'OpportunisticStartTLS' | 'NoStartTLS';
  waitTimeoutMinutes: number;
}

/** Everything the render depends on; secrets are kept apart so a render can print without them. */
export interface StackOptions {
  namespace: string;
  components: Set<Component>;
  profile: 'small' | 'medium' | 'large';
  storage: { backend: 'filesystem' } | { backend: 'azure-blob'; accountName: string; containers: { logs: string; traces: string; profiles: string } };
  volumeSize: string;
  storageClassName?: string;
  retentionDays: number;
  grafana: { exposure: 'ClusterIP' | 'LoadBalancer' | 'Ingress'; host?: string; ingressClass?: string };
  /** Alloy's OTLP receiver for agents outside the cluster, behind a bearer token; off by default. */
  otlpAgents?: { exposure: 'LoadBalancer' | 'Ingress'; host?: string };
  environments: string[];
  /** Recipients per environment; '*' is every environment. */
  email: Record<string, string[]>;
  /** The mail server Grafana sends alert e-mail through (the password is in StackSecrets). */
  smtp?: { host: string; port: number; user?: string; from: string; startTls: 'MandatoryStartTLS' | 'OpportunisticStartTLS' | 'NoStartTLS'; password: boolean };
  slack: boolean;
}

export interface StackSecrets {
  grafanaAdminPassword: string;
  storageAccountKey?: string;
  slackWebhookUrl?: string;
  smtpPassword?: string;
  otlpToken?: string;
}

const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);

/** Checks what task.json cannot (rules across inputs) and shapes the inputs for the render. Nothing is applied yet. */
export function stackOptions(inputs: DeployObservabilityInputs): StackOptions {
  const components = new Set(list(inputs.components) as Component[]);
  // Sorted and without repeats wherever order means nothing: a reordered input is not a change.
  const environments = [...new Set(list(inputs.environments))].sort();
  const problems: string[] = [];
  if (components.has('alloy') && !['loki', 'tempo', 'pyroscope', 'prometheus'].some((c) => components.has(c as Component))) {
    problems.push("Input 'components': alloy needs at least one store to forward to (loki, tempo, pyroscope or prometheus).");
  }
  const email: Record<string, string[]> = {};
  for (const entry of list(inputs.alertEmailRecipients)) {
    const [environment, address] = entry.includes(':') ? entry.split(':') : ['*', entry];
    if (environment !== '*' && !environments.includes(environment))
      problems.push(
        `Input 'alertEmailRecipients': '${entry}' names environment '${environment}', which is not in 'environments' (${environments.join(', ')}).`,
      );
    (email[environment] ??= []).push(address);
  }
  for (const [environment, addresses] of Object.entries(email)) email[environment] = [...new Set(addresses)].sort();
  if (Object.keys(email).length && !inputs.smtpHost)
    problems.push("Input 'alertEmailRecipients' names recipients, but 'smtpHost' is empty: Grafana needs a mail server to send alert e-mail.");
  if (inputs.smtpHost && !inputs.smtpFrom) problems.push("Input 'smtpFrom' is required with 'smtpHost'.");
  if (inputs.otlpExposure && inputs.otlpExposure !== 'none' && !components.has('alloy'))
    problems.push("Input 'otlpExposure': the OTLP endpoint for agents is Alloy's; add alloy to 'components'.");
  if (problems.length) throw new UserError(problems.join('\n'));
  return {
    namespace: inputs.namespace,
    components,
    profile: inputs.resourceProfile,
    storage:
      inputs.storageBackend === 'azure-blob'
        ? {
            backend: 'azure-blob',
            accountName: inputs.storageAccountName!,
            containers: {
              logs: inputs.logsContainer ?? 'loki-chunks',
              traces: inputs.tracesContainer ?? 'tempo-traces',
              profiles: inputs.profilesContainer ?? 'pyroscope-profiles',
            },
          }
        : { backend: 'filesystem' },
    volumeSize: inputs.volumeSize,
    storageClassName: inputs.storageClassName || undefined,
    retentionDays: inputs.retentionDays,
    grafana: { exposure: inputs.grafanaExposure, host: inputs.grafanaIngressHost, ingressClass: inputs.grafanaIngressClass || undefined },
    otlpAgents: inputs.otlpExposure && inputs.otlpExposure !== 'none' ? { exposure: inputs.otlpExposure, host: inputs.otlpIngressHost } : undefined,
    environments,
    email: Object.fromEntries(Object.entries(email).sort(([a], [b]) => a.localeCompare(b))),
    smtp: inputs.smtpHost
      ? {
          host: inputs.smtpHost,
          port: inputs.smtpPort ?? 587,
          user: inputs.smtpUsername,
          from: inputs.smtpFrom!,
          startTls: inputs.smtpStartTls ?? 'MandatoryStartTLS',
          password: Boolean(inputs.smtpPassword),
        }
      : undefined,
    slack: Boolean(inputs.alertSlackWebhookUrl),
  };
}
