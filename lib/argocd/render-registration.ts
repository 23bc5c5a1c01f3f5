import * as crypto from 'node:crypto';
import type { KubernetesObject } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import type { ArgoEnvironment } from './environments';

export type Trigger = 'on-deployed' | 'on-sync-failed' | 'on-health-degraded';

export interface Registration {
  namespace: string;
  project: string;
  app: string;
  repoUrl: string;
  branch: string;
  credentials: { username?: string; password?: string; sshPrivateKey?: string };
  environments: ArgoEnvironment[];
  triggers: Trigger[];
  slack?: { token: string };
  smtp?: { host: string; port: number; username?: string; password?: string; from: string };
}

export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'gitops-stack' };
const IN_CLUSTER = 'https://kubernetes.default.svc';
const b64 = (value: string) => Buffer.from(value, 'utf8').toString('base64');

export function applicationName(app: string, env: string): string {
  return `${app}-${env}`;
}

/** The repository Secret's name follows Argo CD's own `repo-<hash>` convention, from the URL. */
export function repositorySecretName(url: string): string {
  return `repo-${crypto.createHash('sha256').update(url).digest('hex').slice(0, 10)}`;
}

/**
 * Every object ArgoCDRegister applies, in apply order, rendered deterministically
 * (same registration, byte-identical objects).
 */
export function renderRegistration(r: Registration): KubernetesObject[] {
  const objects: KubernetesObject[] = [];
  const data: Record<string, string> = { type: b64('git'), url: b64(r.repoUrl) };
  if (r.credentials.username) data.username = b64(r.credentials.username);
  if (r.credentials.password) data.password = b64(r.credentials.password);
  if (r.credentials.sshPrivateKey) data.sshPrivateKey = b64(r.credentials.sshPrivateKey);
  objects.push({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: repositorySecretName(r.repoUrl), namespace: r.namespace, labels: { 'argocd.argoproj.io/secret-type': 'repository', ...MANAGED_BY } },
    type: 'Opaque',
    data,
  } as KubernetesObject);

  objects.push({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AppProject',
    metadata: { name: r.project, namespace: r.namespace, labels: MANAGED_BY },
    spec: {
      description: `${r.app}: ${r.environments.map((e) => e.name).join(', ')} from ${r.repoUrl}`,
      sourceRepos: [r.repoUrl],
      destinations: r.environments.map((e) => ({ server: IN_CLUSTER, namespace: e.namespace })),
      // CreateNamespace needs the Namespace kind; everything else is namespaced.
      clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }],
    },
  } as KubernetesObject);

  if (r.slack || r.smtp) objects.push(...renderNotifications(r));

  for (const env of r.environments) {
    const annotations: Record<string, string> = {};
    for (const trigger of r.triggers) {
      if (env.slack && r.slack) annotations[`notifications.argoproj.io/subscribe.${trigger}.slack`] = env.slack;
      if (env.email.length && r.smtp) annotations[`notifications.argoproj.io/subscribe.${trigger}.email`] = env.email.join(';');
    }
    objects.push({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: {
        name: applicationName(r.app, env.name),
        namespace: r.namespace,
        labels: { ...MANAGED_BY, 'gitops-stack.dev/app': r.app, 'gitops-stack.dev/environment': env.name },
        ...(Object.keys(annotations).length ? { annotations } : {}),
        finalizers: ['resources-finalizer.argocd.argoproj.io'],
      },
      spec: {
        project: r.project,
        source: { repoURL: r.repoUrl, targetRevision: r.branch, path: env.path },
        destination: { server: IN_CLUSTER, namespace: env.namespace },
        syncPolicy: {
          ...(env.sync === 'automated' ? { automated: { prune: true, selfHeal: true } } : {}),
          syncOptions: ['CreateNamespace=true', 'ServerSideApply=true'],
          retry: { limit: 5, backoff: { duration: '5s', factor: 2, maxDuration: '3m' } },
        },
      },
    } as KubernetesObject);
  }
  return objects;
}

const TEMPLATES: Record<Trigger, { template: string; when: string; title: string; color: string }> = {
  'on-deployed': {
    template: 'app-deployed',
    when: "app.status.operationState != nil and app.status.operationState.phase in ['Succeeded'] and app.status.health.status == 'Healthy'",
    title: 'deployed',
    color: '#18be52',
  },
  'on-sync-failed': {
    template: 'app-sync-failed',
    when: "app.status.operationState != nil and app.status.operationState.phase in ['Error', 'Failed']",
    title: 'failed to sync',
    color: '#E96D76',
  },
  'on-health-degraded': { template: 'app-health-degraded', when: "app.status.health.status == 'Degraded'", title: 'is degraded', color: '#f4c030' },
};

function renderNotifications(r: Registration): KubernetesObject[] {
  // Each value is YAML that the notifications engine parses: serialized from typed values, so no
  // input (an SMTP host with a line break, a quote in a name) can add a key of its own.
  const data: Record<string, string> = {};
  if (r.slack) data['service.slack'] = stringify({ token: '$slack-token' });
  if (r.smtp) {
    data['service.email'] = stringify({
      host: r.smtp.host,
      port: r.smtp.port,
      from: r.smtp.from,
      ...(r.smtp.username ? { username: '$email-username' } : {}),
      ...(r.smtp.password ? { password: '$email-password' } : {}),
    });
  }
  for (const trigger of r.triggers) {
    const t = TEMPLATES[trigger];
    const attachments = [
      {
        title: '{{.app.metadata.name}}',
        color: t.color,
        fields: [
          { title: 'Sync status', value: '{{.app.status.sync.status}}', short: true },
          { title: 'Health', value: '{{.app.status.health.status}}', short: true },
          { title: 'Revision', value: '{{.app.status.sync.revision}}', short: false },
        ],
      },
    ];
    data[`template.${t.template}`] = stringify({
      message: `Application {{.app.metadata.name}} ${t.title} at revision {{.app.status.sync.revision}}.`,
      email: { subject: `{{.app.metadata.name}} ${t.title}` },
      slack: { attachments: JSON.stringify(attachments) },
    });
    data[`trigger.${trigger}`] = stringify([
      { when: t.when, send: [t.template], ...(trigger === 'on-deployed' ? { oncePer: 'app.status.sync.revision' } : {}) },
    ]);
  }
  const objects: KubernetesObject[] = [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'argocd-notifications-cm', namespace: r.namespace }, data } as KubernetesObject,
  ];
  const secret: Record<string, string> = {};
  if (r.slack) secret['slack-token'] = b64(r.slack.token);
  if (r.smtp?.username) secret['email-username'] = b64(r.smtp.username);
  if (r.smtp?.password) secret['email-password'] = b64(r.smtp.password);
  // Only our keys: server-side apply leaves keys other managers own in place.
  if (Object.keys(secret).length)
    objects.push({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'argocd-notifications-secret', namespace: r.namespace },
      type: 'Opaque',
      data: secret,
    } as KubernetesObject);
  return objects;
}
