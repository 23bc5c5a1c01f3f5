/** The stack file, as lib/stack/stack-schema.json describes it. */
export interface Stack {
  apiVersion: 'gitops-stack/v1';
  kind: 'Stack';
  azure: { serviceConnection: string; subscriptionId?: string; resourceGroup: string; location: string; tags?: Record<string, string> };
  cluster: {
    name: string;
    dnsPrefix?: string;
    kubernetesVersion?: string;
    nodePool?: { count?: number; vmSize?: string; autoscaling?: { min: number; max: number } };
    networkPlugin?: 'azure-overlay' | 'azure' | 'kubenet';
    workloadIdentity?: boolean;
    entraOnlyAuth?: boolean;
  };
  registry: { name: string; create?: boolean; sku?: 'Basic' | 'Standard' | 'Premium'; resourceGroup?: string };
  storage?: { accountName: string; sku?: string; containers?: { logs?: string; traces?: string; profiles?: string } };
  observability?: { namespace?: string; storageBackend?: 'filesystem' | 'azure-blob'; retentionDays?: number; alertEmailRecipients?: string[] };
  argocd?: {
    namespace?: string;
    install?: boolean;
    version?: string;
    project: string;
    slackTokenVariable?: string;
    smtp?: { host: string; port?: number; username?: string; passwordVariable?: string; from: string };
  };
  configRepo: { url: string; branch?: string; layout?: string; pathPattern?: string; previewPath?: string };
  apps: string[];
  environments: StackEnvironment[];
}

export interface StackEnvironment {
  name: string;
  namespace: string;
  sync?: 'automated' | 'manual';
  approval?: boolean;
  slackChannel?: string;
  email?: string[];
}
