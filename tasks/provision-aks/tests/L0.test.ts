import * as assert from 'node:assert/strict';
import { runL0 } from '../../../test/harness/run-l0';

const valid = {
  azureSubscription: 'azure-gitops',
  action: 'plan',
  resourceGroup: 'rg-gitops',
  location: 'eastus',
  clusterName: 'aks-gitops-cluster',
  registryName: 'acrgitopsstack',
  storageAccountName: 'stgitopsobs',
};

describe('ProvisionAks L0 (the shipped bundle)', () => {
  it('fails cleanly naming the first missing required input', async () => {
    const run = await runL0({ task: 'provision-aks' });
    assert.equal(run.failed, true);
    assert.match(run.errorIssues[0], /^Input required: 'azureSubscription' \(Azure Resource Manager connection\)\./);
    assert.equal(run.stderr, '', 'no stack trace');
  });

  it('refuses a bad storage account name with the input and the rule, before doing anything', async () => {
    const run = await runL0({ task: 'provision-aks', inputs: { ...valid, storageAccountName: 'My_Logs' } });
    assert.equal(run.failed, true);
    assert.deepEqual(run.errorIssues, ["Input 'storageAccountName' (Storage account name) 'My_Logs' must be 3-24 lowercase letters or digits."]);
    assert.ok(!run.stdout.includes('would do'), 'nothing planned');
  });

  it('names every bad input at once: autoscaler bounds, VM size and container names', async () => {
    const run = await runL0({
      task: 'provision-aks',
      inputs: { ...valid, enableAutoscaling: 'true', minCount: '0', nodeVmSize: 'Standard D2', storageContainers: 'loki-chunks,Tempo' },
    });
    assert.equal(run.errorIssues.length, 1);
    const lines = run.errorIssues[0].split('\n');
    assert.deepEqual(lines.map((l) => /^Input '(\w+)'/.exec(l)?.[1]), ['nodeVmSize', 'minCount', 'storageContainers']);
  });

  it('validates good inputs, shows what it would do, and says plainly it changes nothing yet', async () => {
    const run = await runL0({ task: 'provision-aks', inputs: valid });
    assert.ok(run.stdout.includes('AKS cluster aks-gitops-cluster (DNS prefix aks-gitops-cluster): 2 × Standard_D2s_v5'));
    assert.ok(run.stdout.includes('storage account stgitopsobs (Standard_LRS) with blob containers loki-chunks, tempo-traces, pyroscope-profiles'));
    assert.match(run.errorIssues[0], /^ProvisionAks 0\.1\.0 validates its inputs and shows its plan, but cannot apply changes yet/);
    assert.match(run.stdout, /##vso\[task\.uploadsummary\].+\.md/, 'the plan is attached to the run summary');
  });
});
