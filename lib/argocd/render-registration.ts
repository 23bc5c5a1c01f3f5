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
  /** Where people open Argo CD: every notification links to its Application there. */
  argocdUrl?: string;
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

/** A field of the Application, or `fallback` when it (or anything above it) is absent: never `<no value>`. */
const field = (path: string, fallback: string) =>
  `(dig ${path
    .split('.')
    .map((p) => `"${p}"`)
    .join(' ')} "${fallback}" .app)`;
const REVISION = `(${field('status.operationState.syncResult.revision', '')} | default ${field('status.sync.revision', 'unknown')} | trunc 12)`;
const LINK = '{{ if .context.argocdUrl }}\n{{ .context.argocdUrl }}/applications/{{ .app.metadata.namespace }}/{{ .app.metadata.name }}{{ end }}';

/**
 * What each trigger sends, and when, as Argo CD's notification catalog does it
 * (notifications_catalog/triggers): `oncePer` names what one message is about, so a commit to the
 * shared config repo that a manual environment has not synced yet is not "deployed", a second
 * failed operation is reported even when no Running phase was seen in between, and a flapping app
 * is "degraded" once per revision.
 */
const TRIGGERS: Record<Trigger, { template: string; when: string; oncePer: string; title: string; color: string; text: string }> = {
  'on-deployed': {
    template: 'app-deployed',
    // The catalog's condition: the sync succeeded, the app is Healthy, and it became Healthy with this sync.
    when:
      "app.status.operationState != nil and app.status.operationState.phase in ['Succeeded'] and app.status.health.status == 'Healthy' and " +
      '(!time.Parse(app.status.health.lastTransitionTime).Add(1 * time.Minute).Before(time.Parse(app.status.operationState.finishedAt)) or ' +
      'time.Parse(app.status.health.lastTransitionTime).Before(time.Parse(app.status.operationState.startedAt)))',
    oncePer: 'app.status.operationState?.syncResult?.revision',
    title: 'deployed',
    color: '#18be52',
    text: `{{ .app.metadata.name }} is deployed: revision {{ ${REVISION} }} is synced and Healthy.`,
  },
  'on-sync-failed': {
    template: 'app-sync-failed',
    when: "app.status.operationState != nil and app.status.operationState.phase in ['Error', 'Failed']",
    // Once per sync operation: each operation has its own start time.
    oncePer: 'app.status.operationState?.startedAt',
    title: 'failed to sync',
    color: '#E96D76',
    text:
      `{{ .app.metadata.name }} failed to sync revision {{ ${REVISION} }}: the operation ended {{ ${field('status.operationState.phase', 'Failed')} }} ` +
      `at {{ ${field('status.operationState.finishedAt', 'an unknown time')} }}: {{ ${field('status.operationState.message', 'no reason given')} }}`,
  },
  'on-health-degraded': {
    template: 'app-health-degraded',
    when: "app.status.health.status == 'Degraded'",
    oncePer: 'app.status.sync?.revision',
    title: 'is degraded',
    color: '#f4c030',
    text: `{{ .app.metadata.name }} is Degraded at revision {{ ${REVISION} }}: {{ ${field('status.health.message', 'no message')} }}`,
  },
};

/** The Slack attachment of a template, built and encoded to JSON by the template itself (sprig's toJson): valid JSON whatever the values. */
function slackAttachments(t: (typeof TRIGGERS)[Trigger]): string {
  const fields = [
    `(dict "title" "Sync status" "value" ${field('status.sync.status', 'Unknown')} "short" true)`,
    `(dict "title" "Health" "value" ${field('status.health.status', 'Unknown')} "short" true)`,
    `(dict "title" "Revision" "value" ${REVISION} "short" true)`,
    ...(t.template === 'app-deployed'
      ? []
      : [
          `(dict "title" "Reason" "value" ${field(t.template === 'app-sync-failed' ? 'status.operationState.message' : 'status.health.message', '')} "short" false)`,
        ]),
  ];
  const link =
    '(ternary (printf "%s/applications/%s/%s" .context.argocdUrl .app.metadata.namespace .app.metadata.name) "" (ne (.context.argocdUrl | default "") ""))';
  return `{{ toJson (list (dict "title" .app.metadata.name "title_link" ${link} "color" "${t.color}" "fields" (list ${fields.join(' ')}))) }}`;
}

function renderNotifications(r: Registration): KubernetesObject[] {
  // Each value is YAML that the notifications engine parses: serialized from typed values, so no
  // input (an SMTP host with a line break, a quote in a name) can add a key of its own.
  const data: Record<string, string> = {};
  // Template variables (`.context`): the Argo CD URL every message links to.
  if (r.argocdUrl) data.context = stringify({ argocdUrl: r.argocdUrl.replace(/\/+$/, '') });
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
    const t = TRIGGERS[trigger];
    data[`template.${t.template}`] = stringify({
      message: `${t.text}${LINK}`,
      email: { subject: `{{ .app.metadata.name }} ${t.title}` },
      slack: { attachments: slackAttachments(t) },
    });
    data[`trigger.${trigger}`] = stringify([{ when: t.when, oncePer: t.oncePer, send: [t.template] }]);
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
