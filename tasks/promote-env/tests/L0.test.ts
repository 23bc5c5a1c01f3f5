import * as assert from 'node:assert/strict';
import { runL0 } from '../../../test/harness/run-l0';

const base = { configRepoUrl: 'https://dev.azure.com/contoso/gitops/_git/config-repo', apps: 'sample-app', targetEnvironment: 'staging', sourceEnvironment: 'dev', kubeconfig: '/tmp/kubeconfig' };

describe('PromoteEnv L0 (the shipped bundle)', () => {
  it('fails cleanly naming the first missing required input', async () => {
    const run = await runL0({ task: 'promote-env' });
    assert.equal(run.failed, true);
    assert.match(run.errorIssues[0], /^Input required: 'configRepoUrl' \(Config repository URL\)\./);
  });

  it('accepts tag, digest and tag@digest images and refuses anything else by name', async () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    for (const image of ['acr.azurecr.io/sample-app:1.4.2', `acr.azurecr.io/sample-app@${digest}`, `sample-app:1.4.2@${digest}`]) {
      const run = await runL0({ task: 'promote-env', inputs: { ...base, sourceEnvironment: '', image } });
      assert.ok(run.stdout.includes(`image ${image}`), image);
    }
    const bad = await runL0({ task: 'promote-env', inputs: { ...base, image: 'Sample App:latest' } });
    assert.match(bad.errorIssues[0], /^Input 'image' \(Image\) 'Sample App:latest' must be name:tag, name@sha256:<64 hex> or name:tag@sha256:<64 hex>\.$/);
  });

  it('reports an undefined pipeline variable by name', async () => {
    const run = await runL0({ task: 'promote-env', inputs: { ...base, sourceEnvironment: '', image: '$(imageRef)' } });
    assert.equal(run.errorIssues[0], "Input 'image' (Image) is '$(imageRef)': no variable of that name is defined in this run.");
  });

  it('needs no cluster access when verification is off', async () => {
    const run = await runL0({ task: 'promote-env', inputs: { ...base, kubeconfig: '', verify: 'false' } });
    assert.ok(run.stdout.includes('set sample-app to the image dev runs'));
    assert.ok(!run.stdout.includes('wait up to'));
  });
});
