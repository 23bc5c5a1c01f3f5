import * as assert from 'node:assert/strict';
import { runL0 } from '../../../test/harness/run-l0';

const environments = ['- name: dev', '  path: apps/{app}/overlays/{env}', '  namespace: sample-app-dev', '  sync: automated', '  slack: "#dev-deployments"'].join('\n');

describe('ArgoCDRegister L0 (the shipped bundle)', () => {
  it('fails cleanly naming the first missing required input', async () => {
    const run = await runL0({ task: 'argocd-register' });
    assert.equal(run.failed, true);
    assert.match(run.errorIssues[0], /^Input required: 'kubeconfig' \(Kubeconfig file\)\./);
  });

  it('needs the token only for token auth, and never prints it', async () => {
    const base = { kubeconfig: '/tmp/kubeconfig', configRepoUrl: 'https://dev.azure.com/contoso/gitops/_git/config-repo', project: 'sample-app', appName: 'sample-app', environments };
    const missing = await runL0({ task: 'argocd-register', inputs: base });
    assert.deepEqual(missing.errorIssues[0].split('\n'), ["Input required: 'configRepoToken' (Token)."]);

    const token = 'pat-0123456789abcdefghijklmnop';
    const run = await runL0({ task: 'argocd-register', inputs: { ...base, configRepoToken: token }, secrets: [token] });
    assert.ok(run.stdout.includes('Application sample-app-dev: apps/sample-app/overlays/dev -> sample-app-dev, automated sync with prune and self-heal; notify Slack #dev-deployments'));
  });
});
