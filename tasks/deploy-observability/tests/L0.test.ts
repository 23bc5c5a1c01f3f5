import * as assert from 'node:assert/strict';
import { runL0 } from '../../../test/harness/run-l0';

describe('DeployObservability L0 (the shipped bundle)', () => {
  it('fails cleanly naming the first missing required input', async () => {
    const run = await runL0({ task: 'deploy-observability' });
    assert.equal(run.failed, true);
    assert.match(run.errorIssues[0], /^Input required: 'kubeconfig' \(Kubeconfig file\)\./);
  });

  it('asks for the storage account only with the Azure Blob backend', async () => {
    const run = await runL0({ task: 'deploy-observability', inputs: { kubeconfig: '/tmp/kubeconfig', storageBackend: 'azure-blob' } });
    assert.deepEqual(run.errorIssues[0].split('\n'), [
      "Input required: 'storageAccountName' (Storage account name).",
      "Input required: 'storageAccountKey' (Storage account key).",
    ]);
  });

  it('registers the storage key and Grafana password as secrets the moment it reads them', async () => {
    const key = 'c3RvcmFnZS1hY2NvdW50LWtleQ==SUPERSECRET/+';
    const password = 'grafana-Admin-Pa55';
    const run = await runL0({
      task: 'deploy-observability',
      inputs: { kubeconfig: '/tmp/kubeconfig', storageBackend: 'azure-blob', storageAccountName: 'stgitopsobs', storageAccountKey: key, grafanaAdminPassword: password },
      secrets: [key, password],
    });
    assert.ok(run.stdout.includes(`##vso[task.setsecret]${key}`));
    assert.ok(run.stdout.includes(`##vso[task.setsecret]${password}`));
    assert.ok(run.stdout.includes('Azure Blob Storage account stgitopsobs'));
  });
});
