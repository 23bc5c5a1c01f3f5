import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ApplicationClient } from '../argocd/application';
import { annotateDeployment } from '../grafana/annotate-deployment';
import type { TaskHost } from '../pipeline/task-host';
import { UserError } from '../user-error';
import type { Layout } from './environment-path';
import { basicAuth, type GitAuth } from './git';
import { parseImageRef } from './image-ref';
import { promote, type PromoteRequest, type PromoteResult } from './promote';
import type { PullRequestOptions } from './pull-request';
import { gitConnectionCredentials } from './git-connection';
import { revertPromotion } from './revert';
import { fillPattern } from './path-pattern';
import { traced } from '../telemetry/task-trace';
import { runUrl } from '../pipeline/run-url';

/** PromoteEnv's inputs, as task.json declares them (the CLI's `promote` takes the same). */
export interface PromoteEnvInputs {
  [name: string]: string | number | boolean | undefined;
  configRepoUrl: string;
  configRepoBranch: string;
  repoAuth: 'systemAccessToken' | 'serviceConnection' | 'none';
  gitServiceConnection?: string;
  apps: string;
  sourceEnvironment?: string;
  promotionOrder?: string;
  image?: string;
  targetEnvironment: string;
  layout: Layout;
  pathPattern: string;
  helmImageKey: string;
  mode: 'push' | 'pull-request';
  prTargetBranch?: string;
  prAutoComplete?: boolean;
  prMergeStrategy?: PullRequestOptions['mergeStrategy'];
  prDeleteSourceBranch?: boolean;
  prReviewers?: string;
  commitAuthorName: string;
  commitAuthorEmail: string;
  commitMessage: string;
  pushRetries: number;
  dryRun: boolean;
  verify: boolean;
  applicationPattern?: string;
  argocdNamespace?: string;
  clusterAccess?: 'kubeconfigFile' | 'serviceConnection';
  kubeconfig?: string;
  kubernetesServiceConnection?: string;
  timeoutMinutes?: number;
  rollbackOnFailure?: boolean;
  grafanaUrl?: string;
  grafanaToken?: string;
}

/** The git credentials for the config repo, registered as secrets in every form git could print. */
export function gitAuthFrom(host: TaskHost, inputs: Pick<PromoteEnvInputs, 'repoAuth' | 'gitServiceConnection'>): GitAuth {
  if (inputs.repoAuth === 'none') return {};
  if (inputs.repoAuth === 'systemAccessToken') {
    // Read as a secret: registered by getVariable itself.
    const token = host.getVariable('System.AccessToken', true);
    if (!token)
      throw new UserError(
        "System.AccessToken is not available: in YAML add `env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)` to the step, or set 'repoAuth' to use a service connection.",
      );
    return { authorization: `bearer ${token}` };
  }
  const { username, password } = gitConnectionCredentials(host, 'gitServiceConnection', inputs.gitServiceConnection);
  return basicAuth(username, password, (value) => host.setSecret(value));
}

function runTrailers(host: TaskHost): Record<string, string | undefined> {
  const who = host.getVariable('Build.RequestedFor');
  const email = host.getVariable('Build.RequestedForEmail');
  return {
    'Build-Id': host.getVariable('Build.BuildNumber') ?? host.getVariable('Build.BuildId'),
    'Run-Url': runUrl(host),
    'Requested-By': who ? `${who}${email ? ` <${email}>` : ''}` : undefined,
  };
}

/** The source environment: as given, or the one before the target in `promotionOrder` when no image is given either. */
export function sourceEnvironment(inputs: Pick<PromoteEnvInputs, 'sourceEnvironment' | 'image' | 'promotionOrder' | 'targetEnvironment'>): string | undefined {
  if (inputs.sourceEnvironment || inputs.image || !inputs.promotionOrder) return inputs.sourceEnvironment;
  const order = inputs.promotionOrder.split(',').map((e) => e.trim());
  const at = order.indexOf(inputs.targetEnvironment);
  if (at < 0) throw new UserError(`Input 'promotionOrder' (${order.join(', ')}) does not list the target environment '${inputs.targetEnvironment}'.`);
  if (at === 0)
    throw new UserError(
      `'${inputs.targetEnvironment}' comes first in 'promotionOrder': nothing comes before it, so set 'image' to promote a new build into it.`,
    );
  return order[at - 1];
}

/**
 * The PromoteEnv task: promote in the config repo, then verify through Argo CD
 * and revert the promotion when the app does not become Healthy.
 */
export async function promoteEnv(host: TaskHost, inputs: PromoteEnvInputs): Promise<string> {
  const started = Date.now();
  const auth = gitAuthFrom(host, inputs);
  const apps = inputs.apps
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  const image = inputs.image ? parseImageRef(inputs.image, "Input 'image'") : undefined;
  const namespace = inputs.argocdNamespace ?? 'argocd';
  const applications = apps.map((app) => fillPattern(inputs.applicationPattern ?? '{app}-{env}', app, inputs.targetEnvironment));
  // Verification and pull requests load their clients only when used: a plain push starts faster.
  let client: ApplicationClient | undefined;
  if (inputs.verify && !inputs.dryRun) {
    const kube = await import('../kube/kube-config');
    const argocd = await import('../argocd/application');
    const cluster = kube.kubeConfigFromInputs(host, inputs);
    // Everything verification needs is checked while nothing has been pushed.
    await kube.assertReachable(cluster, kube.clusterInput(inputs));
    client = new argocd.ApplicationClient(cluster);
    await argocd.assertApplicationsReadable(client, namespace, applications, kube.clusterInput(inputs));
  }

  const temp = fs.mkdtempSync(path.join(host.getVariable('Agent.TempDirectory') || os.tmpdir(), 'promote-'));
  const author = { name: inputs.commitAuthorName, email: inputs.commitAuthorEmail };
  const log = (line: string) => host.info(line);
  try {
    host.progress(10, 'promoting in the config repo');
    const request: PromoteRequest = {
      repoUrl: inputs.configRepoUrl,
      branch: inputs.configRepoBranch,
      auth,
      apps,
      sourceEnvironment: sourceEnvironment(inputs),
      image,
      targetEnvironment: inputs.targetEnvironment,
      layout: inputs.layout,
      pathPattern: inputs.pathPattern,
      helmImageKey: inputs.helmImageKey,
      author,
      messageTemplate: inputs.commitMessage,
      trailers: runTrailers(host),
      dryRun: inputs.dryRun,
      pushRetries: inputs.pushRetries,
      workDir: path.join(temp, 'promote'),
    };
    const pullRequestMode = inputs.mode === 'pull-request';
    const targetBranch = inputs.prTargetBranch || inputs.configRepoBranch;
    const pullRequests = pullRequestMode ? await import('./pull-request') : undefined;
    const azureRepos = pullRequests ? await pullRequests.azureReposGitApi(inputs.configRepoUrl, auth) : undefined;
    const { result, pullRequest } = await host.group(`Promote ${apps.join(', ')} to ${inputs.targetEnvironment}`, async () =>
      pullRequests && azureRepos
        ? pullRequests.promoteByPullRequest({ ...request, branch: targetBranch }, pullRequestOptions(inputs, targetBranch), azureRepos, log)
        : { result: await promote(request, log), pullRequest: undefined },
    );
    setOutputs(host, result);
    if (pullRequest) {
      host.setOutput('pullRequestId', String(pullRequest.id));
      host.setOutput('pullRequestUrl', pullRequest.url);
    }
    if (!result.changed || inputs.dryRun) {
      summarize(host, inputs, result, inputs.dryRun ? 'dry run: nothing pushed' : 'already there: no commit');
      return inputs.dryRun ? 'Dry run: nothing was pushed.' : `Nothing to promote: ${inputs.targetEnvironment} already runs the image.`;
    }
    host.info(
      `Pushed ${result.commitSha} to ${pullRequest ? pullRequest.branch : inputs.configRepoBranch}${result.pushAttempts > 1 ? ` after ${result.pushAttempts} attempts` : ''}.`,
    );

    let revision = result.commitSha;
    // The branch's commit before the promotion landed: what a rollback returns the promoted files to.
    let before: string | undefined;
    if (pullRequest) {
      if (!client) {
        summarize(host, inputs, result, `pull request ${pullRequest.id} ${pullRequest.created ? 'opened' : 'updated'}`);
        return `Pull request ${pullRequest.id}: ${pullRequest.url}`;
      }
      host.progress(30, 'waiting for the pull request');
      const merged = await traced('wait for pull request merge', { 'vcs.change.id': pullRequest.id }, () =>
        pullRequests!.waitForMerge(azureRepos!, inputs.configRepoUrl, pullRequest.id, (inputs.timeoutMinutes ?? 10) * 60_000, log),
      );
      revision = merged.commit;
      before = merged.target;
      host.info(`Pull request ${pullRequest.id} completed as ${revision}.`);
    }

    if (client) {
      host.progress(50, 'waiting for Argo CD');
      const { waitForSync } = await import('../argocd/wait-for-sync');
      const timeoutMs = (inputs.timeoutMinutes ?? 10) * 60_000;
      const failures: string[] = [];
      for (const name of applications) {
        const outcome = await host.group(`Wait for Argo CD ${name}`, () =>
          traced(`verify ${name}`, { 'argocd.application': name, 'vcs.ref.head.revision': revision }, () =>
            waitForSync(client, { namespace, name, revision, timeoutMs }, log),
          ),
        );
        if (!outcome.healthy) failures.push(outcome.reason);
      }
      if (failures.length) {
        let rolledBack = '';
        if (inputs.rollbackOnFailure ?? true) {
          host.progress(80, 'rolling back');
          const revert = await host.group('Roll back', () =>
            revertPromotion(
              {
                repoUrl: inputs.configRepoUrl,
                branch: pullRequest ? targetBranch : inputs.configRepoBranch,
                auth,
                commit: revision,
                before,
                paths: result.apps.flatMap((a) => a.files.map((f) => path.posix.dirname(f))),
                author,
                reason: `Promotion failed verification: ${failures[0]}`,
                pushRetries: inputs.pushRetries,
                workDir: path.join(temp, 'revert'),
              },
              log,
            ),
          );
          host.setOutput('rolledBack', 'true');
          rolledBack = ` The promotion was reverted by ${revert.sha}.`;
          for (const name of applications) {
            const recovered = await waitForSync(client, { namespace, name, revision: revert.sha, timeoutMs }, log);
            rolledBack += recovered.healthy ? ` ${name} is Healthy again.` : ` ${name} has not recovered: ${recovered.reason}.`;
          }
        }
        summarize(host, inputs, result, `failed verification${rolledBack ? '; rolled back' : ''}`);
        throw new UserError(`Promotion to ${inputs.targetEnvironment} failed verification: ${failures.join(' | ')}.${rolledBack}`);
      }
    }
    if (inputs.grafanaUrl) {
      await annotateDeployment({
        url: inputs.grafanaUrl,
        token: inputs.grafanaToken,
        start: started,
        end: Date.now(),
        environment: inputs.targetEnvironment,
        apps,
        text: `Promoted ${result.apps.map((a) => `${a.app} ${a.previous} → ${a.promoted}`).join(', ')} (${result.commitSha.slice(0, 12)})`,
      }).catch((error: Error) => host.warning(`Grafana annotation not written: ${error.message}`));
    }
    summarize(host, inputs, result, client ? 'synced and Healthy' : 'pushed (not verified)');
    return `Promoted ${apps.join(', ')} to ${inputs.targetEnvironment} in ${result.commitSha.slice(0, 12)}.`;
  } finally {
    fs.rmSync(temp, { recursive: true, force: true });
  }
}

function pullRequestOptions(inputs: PromoteEnvInputs, targetBranch: string): PullRequestOptions {
  return {
    targetBranch,
    autoComplete: inputs.prAutoComplete ?? false,
    mergeStrategy: inputs.prMergeStrategy ?? 'squash',
    deleteSourceBranch: inputs.prDeleteSourceBranch ?? true,
    reviewers: (inputs.prReviewers ?? '')
      .split(',')
      .map((r) => r.trim())
      .filter(Boolean),
  };
}

function setOutputs(host: TaskHost, result: PromoteResult): void {
  const one = result.apps.length === 1;
  host.setOutput('commitSha', result.commitSha);
  host.setOutput('changed', String(result.changed));
  host.setOutput('previousImage', one ? result.apps[0].previous : result.apps.map((a) => `${a.app}=${a.previous}`).join(','));
  host.setOutput('promotedImage', one ? result.apps[0].promoted : result.apps.map((a) => `${a.app}=${a.promoted}`).join(','));
}

function summarize(host: TaskHost, inputs: PromoteEnvInputs, result: PromoteResult, outcome: string): void {
  const rows = result.apps.map((a) => `| ${a.app} | \`${a.previous}\` | \`${a.promoted}\` |`);
  host.summary(
    `PromoteEnv → ${inputs.targetEnvironment}`,
    [`Outcome: **${outcome}**; commit \`${result.commitSha.slice(0, 12)}\``, '', '| app | before | after |', '| --- | --- | --- |', ...rows].join('\n'),
  );
}
