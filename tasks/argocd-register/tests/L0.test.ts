import * as assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { sharedControlPlane } from '../../../test/cluster/shared-control-plane';
import { runL0 } from '../../../test/harness/run-l0';
import { uniqueName } from '../../../test/harness/unique-name';

const environments = stringify([
  { name: 'dev', path: 'apps/{app}/overlays/{env}', namespace: 'sample-app-dev', sync: 'automated', slack: '#dev-deployments', email: 'dev-team@example.com' },
  { name: 'staging', path: 'apps/{app}/overlays/{env}', namespace: 'sample-app-staging', sync: 'manual' },
]);

describe('ArgoCDRegister L0 (the shipped bundle)', function () {
  this.timeout(60000);
  const base = {
    configRepoUrl: 'https://dev.azure.com/contoso/gitops/_git/config-repo',
    project: 'sample-app',
    appName: 'sample-app',
    environments,
    syncAndWait: 'false',
  };

  it('fails cleanly naming the first missing required input', async () => {
    const run = await runL0({ task: 'argocd-register' });
    assert.equal(run.failed, true);
    assert.match(run.errorIssues[0], /^Input required: 'kubeconfig' \(Kubeconfig file\)\./);
  });

  it('refuses a repo URL that is not http(s) or ssh, and a Slack channel without a token, before touching the cluster', async () => {
    const url = await runL0({
      task: 'argocd-register',
      inputs: { ...base, kubeconfig: '/nonexistent', configRepoUrl: 'ftp://example.com/repo', configRepoToken: 'x' },
    });
    assert.match(url.errorIssues[0], /^Input 'configRepoUrl' \(Config repository URL\) 'ftp:\/\/example\.com\/repo' must be an http\(s\), ssh or scp-style/);
    const slack = await runL0({
      task: 'argocd-register',
      inputs: { ...base, kubeconfig: '/nonexistent', configRepoToken: 'pat-123456789', smtpHost: 'smtp.example.com', smtpFrom: 'a@example.com' },
    });
    assert.equal(slack.errorIssues[0], "Environments dev name a Slack channel, but 'slackToken' is empty.");
  });

  it('registers the app on the cluster, sets its outputs and summary, and never prints the tokens', async () => {
    const cluster = await sharedControlPlane();
    const namespace = uniqueName('argocd-l0-reg');
    const config = new k8s.KubeConfig();
    config.loadFromFile(cluster.kubeconfig);
    await config.makeApiClient(k8s.CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
    const secrets = { configRepoToken: 'pat-0123456789abcdefghijklmnop', slackToken: 'xoxb-123-456-slackbottoken', smtpPassword: 'Smtp-Pa55word!' };
    const run = await runL0({
      task: 'argocd-register',
      inputs: {
        ...base,
        ...secrets,
        kubeconfig: cluster.kubeconfig,
        argocdNamespace: namespace,
        smtpHost: 'smtp.example.com',
        smtpUsername: 'argocd@example.com',
        smtpFrom: 'argocd@example.com',
      },
      secrets: [...Object.values(secrets), cluster.token],
    });
    assert.equal(run.succeeded, true, run.stdout);
    assert.match(run.stdout, /##vso\[task\.setvariable variable=applications;isOutput=true;issecret=false;\]sample-app-dev,sample-app-staging/);
    assert.match(run.stdout, /##vso\[task\.uploadsummary\]/);
    for (const value of Object.values(secrets)) assert.ok(run.stdout.includes(`##vso[task.setsecret]${value}`), 'registered');
    const apps = await k8s.KubernetesObjectApi.makeApiClient(config).list('argoproj.io/v1alpha1', 'Application', namespace);
    assert.deepEqual(apps.items.map((a) => a.metadata?.name).sort(), ['sample-app-dev', 'sample-app-staging']);
  });
});
