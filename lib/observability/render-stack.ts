import { stringify } from 'yaml';
import { alloy } from './components/alloy';
import { grafana } from './components/grafana';
import { loki } from './components/loki';
import { prometheus } from './components/prometheus';
import { pyroscope } from './components/pyroscope';
import { tempo } from './components/tempo';
import { sortByKind } from '../kube/kind-order';
import { COMPONENTS, type Component, type StackOptions, type StackSecrets } from './options';
import { INVENTORY_LABELS, type K8sObject, NAMESPACE_LABEL, STACK_SECRET } from './workload';

const RENDERERS: Record<Component, (o: StackOptions) => K8sObject[]> = { loki, tempo, pyroscope, prometheus, alloy, grafana };

export const REDACTED = '<secret set at apply>';

function stackSecret(o: StackOptions, secrets: StackSecrets | undefined): K8sObject {
  // Applied as base64 `data` (stringData would leave a managed field that makes every re-apply a change); printed as a readable placeholder.
  const value = (v: string | undefined) => (secrets ? Buffer.from(v ?? '').toString('base64') : REDACTED);
  const data: Record<string, string | undefined> = {
    'grafana-admin-password': o.components.has('grafana') ? value(secrets?.grafanaAdminPassword) : undefined,
    'azure-storage-key': o.storage.backend === 'azure-blob' ? value(secrets?.storageAccountKey) : undefined,
    'slack-webhook-url': o.slack ? value(secrets?.slackWebhookUrl) : undefined,
    'smtp-password': o.smtp?.password ? value(secrets?.smtpPassword) : undefined,
    'otlp-token': o.otlpAgents ? value(secrets?.otlpToken) : undefined,
  };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: STACK_SECRET, namespace: o.namespace, labels: { 'app.kubernetes.io/part-of': 'gitops-stack-observability', ...INVENTORY_LABELS } },
    type: 'Opaque',
    [secrets ? 'data' : 'stringData']: Object.fromEntries(Object.entries(data).filter(([, v]) => v !== undefined)),
  };
}

/**
 * Every object of the stack for these options, in apply order. Deterministic:
 * the same options give the same objects. Without `secrets` the Secret's values
 * are a placeholder, so a render can be printed and diffed.
 */
export function renderStack(o: StackOptions, secrets?: StackSecrets): K8sObject[] {
  const objects: K8sObject[] = [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: o.namespace, labels: { 'app.kubernetes.io/part-of': 'gitops-stack-observability', ...INVENTORY_LABELS } },
    },
    stackSecret(o, secrets),
    ...COMPONENTS.filter((c) => o.components.has(c)).flatMap((c) => RENDERERS[c](o)),
  ];
  for (const object of objects) object.metadata!.labels = { ...object.metadata!.labels, [NAMESPACE_LABEL]: o.namespace };
  return sortByKind(objects);
}

export function toYaml(objects: K8sObject[]): string {
  return objects.map((object) => stringify(object, { lineWidth: 0 })).join('---\n');
}
