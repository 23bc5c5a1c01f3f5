import * as os from 'node:os';
import * as path from 'node:path';
import { basicAuth, Git, type GitAuth } from '../gitops/git';
import type { AppliedObject } from '../kube/server-side-apply';
import type { TaskHost } from '../pipeline/task-host';
import { UserError } from '../user-error';
import type { Application } from './application';
import { parseEnvironments } from './environments';
import { applicationName, MANAGED_BY, renderRegistration, type Registration, type Trigger } from './render-registration';
import { gitConnectionCredentials } from '../gitops/git-connection';
import { traced } from '../telemetry/task-trace';

/** ArgoCDRegister's inputs, as task.json declares them. */
export interface ArgoCdRegisterInputs {
  [name: string]: string | number | boolean | undefined;
  clusterAccess: 'kubeconfigFile' | 'serviceConnection';
  kubeconfig?: string;
  kubernetesServiceConnection?: string;
  argocdNamespace: string;
  installArgoCD: 'no' | 'yes';
  argocdVersion?: string;
  installManifest?: string;
  configRepoUrl: string;
  configRepoBranch: string;
  configRepoAuth: 'token' | 'sshKey' | 'serviceConnection' | 'none';
  configRepoUsername?: string;
  configRepoToken?: string;
  configRepoSshKey?: string;
  gitServiceConnection?: string;
  project: string;
  appName: string;
  environments: string;
  pruneEnvironments: boolean;
  slackToken?: string;
  smtpHost?: string;
  smtpPort?: number;
  smtpUsername?: string;
  smtpPassword?: string;
  smtpFrom?: string;
  notificationTriggers: string;
  argocdUrl?: string;
  syncAndWait: boolean;
  timeoutMinutes?: number;
}

function credentials(host: TaskHost, inputs: ArgoCdRegisterInputs): Registration['credentials'] {
  switch (inputs.configRepoAuth) {
    case 'token':
      return { username: inputs.configRepoUsername || 'git', password: inputs.configRepoToken };
    case 'sshKey':
      return { sshPrivateKey: inputs.configRepoSshKey };
    case 'serviceConnection':
      return gitConnectionCredentials(host, 'gitServiceConnection', inputs.gitServiceConnection);
    default:
      return {};
  }
}

/** Checks what task.json cannot: rules across inputs. Nothing has been applied yet. */
export function registration(host: TaskHost, inputs: ArgoCdRegisterInputs): Registration {
  const environments = parseEnvironments(inputs.environments, inputs.appName);
  const problems: string[] = [];
  const ssh = /^(ssh:\/\/|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:)/.test(inputs.configRepoUrl);
  if (inputs.configRepoAuth === 'sshKey' && !ssh) problems.push(`Input 'configRepoAuth' is sshKey, but '${inputs.configRepoUrl}' is not an SSH URL.`);
  if (ssh && (inputs.configRepoAuth === 'token' || inputs.configRepoAuth === 'serviceConnection'))
    problems.push(`Input 'configRepoUrl' is an SSH URL: use configRepoAuth sshKey, or an https URL with a token.`);
  const slackWanted = environments.filter((e) => e.slack).map((e) => e.name);
  if (slackWanted.length && !inputs.slackToken) problems.push(`Environments ${slackWanted.join(', ')} name a Slack channel, but 'slackToken' is empty.`);
  const emailWanted = environments.filter((e) => e.email.length).map((e) => e.name);
  if (emailWanted.length && !inputs.smtpHost) problems.push(`Environments ${emailWanted.join(', ')} name e-mail recipients, but 'smtpHost' is empty.`);
  if (inputs.smtpHost && !inputs.smtpFrom) problems.push("Input 'smtpFrom' is required with 'smtpHost'.");
  if (problems.length) throw new UserError(problems.join('\n'));
  const creds = credentials(host, inputs);
  for (const secret of [creds.password, creds.sshPrivateKey]) if (secret) host.setSecret(secret);
  return {
    namespace: inputs.argocdNamespace,
    project: inputs.project,
    app: inputs.appName,
    repoUrl: inputs.configRepoUrl,
    branch: inputs.configRepoBranch,
    credentials: creds,
    environments,
    triggers: inputs.notificationTriggers.split(',').map((t) => t.trim() as Trigger),
    slack: inputs.slackToken ? { token: inputs.slackToken } : undefined,
    smtp: inputs.smtpHost
      ? { host: inputs.smtpHost, port: inputs.smtpPort ?? 587, username: inputs.smtpUsername, password: inputs.smtpPassword, from: inputs.smtpFrom! }
      : undefined,
    argocdUrl: inputs.argocdUrl,
  };
}

/** The commit the branch points at now (http(s) and file URLs); undefined for SSH, where Argo CD's own answer is taken. */
export async function branchTip(r: Pick<Registration, 'repoUrl' | 'branch' | 'credentials'>, setSecret: (value: string) => void): Promise<string | undefined> {
  if (!/^(https?|file):\/\//.test(r.repoUrl)) return undefined;
  const auth: GitAuth = r.credentials.password ? basicAuth(r.credentials.username ?? 'git', r.credentials.password, setSecret) : {};
  const out = await new Git(os.tmpdir(), auth).run(['ls-remote', '--', r.repoUrl, `refs/heads/${r.branch}`], `git ls-remote of '${r.branch}'`);
  const sha = out.split('\t')[0].trim();
  if (!sha) throw new UserError(`The config repo has no branch '${r.branch}' (input 'configRepoBranch').`);
  return sha;
}

/**
 * The ArgoCDRegister task: (install Argo CD,) apply the repository Secret, the
 * AppProject, the notifications and one Application per environment by
 * server-side apply, after a server-side dry run of all of them; prune removed
 * environments when asked; then sync and wait until each is Synced and Healthy.
 */
export async function argocdRegister(host: TaskHost, inputs: ArgoCdRegisterInputs): Promise<string> {
  const r = registration(host, inputs);
  if (r.slack) host.setSecret(r.slack.token);
  if (r.smtp?.password) host.setSecret(r.smtp.password);
  // The Kubernetes client is evaluated only now, after the inputs passed: bad input fails fast.
  const { assertReachable, clusterInput, kubeConfigFromInputs } = await import('../kube/kube-config');
  const { objectsApi, serverSideApply } = await import('../kube/server-side-apply');
  const { waitForRollout } = await import('../kube/wait-for-rollout');
  const { ApplicationClient } = await import('./application');
  const { installArgoCd, readInstallManifest } = await import('./install-argocd');
  const { waitForSync } = await import('./wait-for-sync');
  const config = kubeConfigFromInputs(host, inputs);
  await assertReachable(config, clusterInput(inputs));
  const objects = objectsApi(config);
  const log = (line: string) => host.info(line);
  const timeoutMs = (inputs.timeoutMinutes ?? 10) * 60_000;
  const applied: AppliedObject[] = [];

  if (inputs.installArgoCD === 'yes') {
    const manifest = await readInstallManifest(inputs.argocdVersion ?? 'v3.6.0', inputs.installManifest);
    await host.group(`Install Argo CD ${inputs.installManifest ? `from ${path.basename(inputs.installManifest)}` : inputs.argocdVersion}`, async () => {
      applied.push(...(await installArgoCd(objects, r.namespace, manifest)));
      await waitForRollout(config, r.namespace, timeoutMs, log);
    });
  }

  // Argo CD's own URL (argocd-cm `url`) is where notifications link when no argocdUrl is given.
  const argocdCm = await objects.read({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'argocd-cm', namespace: r.namespace } }).catch(() => undefined);
  const argocdUrl = r.argocdUrl ?? (argocdCm as { data?: Record<string, string> } | undefined)?.data?.url;
  const rendered = renderRegistration({ ...r, argocdUrl });
  await host.group('Register with Argo CD', async () => {
    // All objects pass the API server's validation (CRD schemas included) before any is applied.
    await serverSideApply(objects, rendered, { dryRun: true });
    const results = await traced('apply Argo CD registration', { 'k8s.namespace.name': r.namespace }, () => serverSideApply(objects, rendered));
    for (const result of results) log(`${result.kind} ${result.name}: ${result.change}`);
    applied.push(...results);
  });

  const existing = await objects.list<Application>(
    'argoproj.io/v1alpha1',
    'Application',
    r.namespace,
    undefined,
    undefined,
    undefined,
    undefined,
    `${Object.keys(MANAGED_BY)[0]}=gitops-stack,gitops-stack.dev/app=${r.app}`,
  );
  const wanted = new Set(r.environments.map((e) => applicationName(r.app, e.name)));
  for (const stale of existing.items.filter((a) => !wanted.has(a.metadata!.name!))) {
    if (inputs.pruneEnvironments) {
      await objects.delete(stale);
      log(`Application ${stale.metadata!.name}: deleted (its environment is no longer listed)`);
    } else {
      host.warning(`Application ${stale.metadata!.name} belongs to an environment no longer listed; set 'pruneEnvironments' to delete it.`);
    }
  }

  const names = r.environments.map((e) => applicationName(r.app, e.name));
  host.setOutput('applications', names.join(','));
  if (argocdUrl) host.setOutput('argocdUrl', argocdUrl);

  const health: Record<string, string> = {};
  if (inputs.syncAndWait) {
    const revision = await branchTip(r, (value) => host.setSecret(value));
    const client = new ApplicationClient(config);
    const failures: string[] = [];
    for (const name of names) {
      const outcome = await host.group(`Sync and wait: ${name}`, () =>
        traced(`sync and wait ${name}`, { 'argocd.application': name }, () => waitForSync(client, { namespace: r.namespace, name, revision, timeoutMs }, log)),
      );
      health[name] = outcome.app?.status?.health?.status ?? 'Unknown';
      if (!outcome.healthy) failures.push(outcome.reason);
    }
    summarize(host, r, health, argocdUrl);
    if (failures.length) throw new UserError(`Not every environment became Synced and Healthy: ${failures.join(' | ')}`);
  } else {
    summarize(host, r, health, argocdUrl);
  }
  const changed = applied.filter((a) => a.change !== 'unchanged').length;
  return `Registered ${names.join(', ')} with Argo CD (${changed} object${changed === 1 ? '' : 's'} changed, ${applied.length - changed} unchanged).`;
}

function summarize(host: TaskHost, r: Registration, health: Record<string, string>, argocdUrl?: string): void {
  const rows = r.environments.map((e) => {
    const name = applicationName(r.app, e.name);
    const link = argocdUrl ? `[${name}](${argocdUrl.replace(/\/$/, '')}/applications/${r.namespace}/${name})` : name;
    return `| ${e.name} | ${link} | \`${e.path}\` | ${e.namespace} | ${e.sync} | ${health[name] ?? 'not waited for'} |`;
  });
  host.summary(
    `ArgoCDRegister: ${r.app}`,
    ['| environment | Application | path | namespace | sync | health |', '| --- | --- | --- | --- | --- | --- |', ...rows].join('\n'),
  );
}
