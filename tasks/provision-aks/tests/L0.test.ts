import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { startFakeServer, type FakeServer } from '../../../test/harness/fake-server';
import { REPO_ROOT, runL0, type L0Endpoint } from '../../../test/harness/run-l0';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const SUBSCRIPTION = '1b2c3d4e-0000-4000-8000-00000000abcd';
const SECRET = 'spn-Secret-Value~99';

const valid = {
  azureSubscription: 'azure-gitops',
  action: 'plan',
  resourceGroup: 'rg-gitops',
  location: 'eastus',
  clusterName: 'aks-gitops-cluster',
  registryName: 'acrgitopsstack',
  storageAccountName: 'stgitopsobs',
};

describe('ProvisionAks L0 (the shipped bundle)', function () {
  this.timeout(60000);
  let entra: FakeServer;
  let arm: FakeServer;
  const endpoints = (): Record<string, L0Endpoint> => ({
    'azure-gitops': {
      url: `${arm.url}/`,
      scheme: 'ServicePrincipal',
      parameters: { tenantid: TENANT, serviceprincipalid: 'spn', serviceprincipalkey: SECRET, authenticationType: 'spnKey' },
      data: { subscriptionId: SUBSCRIPTION, environment: 'AzureCloud', activeDirectoryAuthority: `${entra.url}/` },
    },
  });

  before(async () => {
    entra = await startFakeServer(path.join(REPO_ROOT, 'out', 'test', 'fakes', 'entra-and-oidc.js'), {
      tenantId: TENANT,
      clients: { spn: { secret: SECRET } },
    });
    arm = await startFakeServer(path.join(REPO_ROOT, 'out', 'test', 'fakes', 'azure-resource-manager.js'), { subscriptionId: SUBSCRIPTION, polls: 1 });
  });
  after(async () => {
    await entra.stop();
    await arm.stop();
  });

  it('fails cleanly naming the first missing required input', async () => {
    const run = await runL0({ task: 'provision-aks' });
    assert.equal(run.failed, true);
    assert.match(run.errorIssues[0], /^Input required: 'azureSubscription' \(Azure Resource Manager connection\)\./);
    assert.equal(run.stderr, '', 'no stack trace');
  });

  it('refuses a bad storage account name with the input and the rule, before any request', async () => {
    const before = (await arm.requests()).length;
    const run = await runL0({ task: 'provision-aks', inputs: { ...valid, storageAccountName: 'My_Logs' }, endpoints: endpoints() });
    assert.deepEqual(run.errorIssues, ["Input 'storageAccountName' (Storage account name) 'My_Logs' must be 3-24 lowercase letters or digits."]);
    assert.equal((await arm.requests()).length, before);
  });

  it('names every bad input at once: autoscaler bounds, VM size and container names', async () => {
    const run = await runL0({
      task: 'provision-aks',
      inputs: { ...valid, enableAutoscaling: 'true', minCount: '0', nodeVmSize: 'Standard D2', storageContainers: 'loki-chunks,Tempo' },
    });
    const lines = run.errorIssues[0].split('\n');
    assert.deepEqual(
      lines.map((l) => /^Input '(\w+)'/.exec(l)?.[1]),
      ['nodeVmSize', 'minCount', 'storageContainers'],
    );
  });

  it('plans, applies, and sets outputs: the storage key as a secret output, a kubeconfig file; no secret in the log', async () => {
    const plan = await runL0({ task: 'provision-aks', inputs: valid, endpoints: endpoints(), variables: { 'GitOpsStack.PollIntervalMs': '20' } });
    assert.equal(plan.succeeded, true, plan.stdout);
    assert.match(plan.stdout, /##vso\[task\.setvariable variable=planChanges;isOutput=true;issecret=false;\]8/);
    assert.ok(plan.stdout.includes(`##vso[task.setsecret]${SECRET}`), 'the connection key is registered');

    const apply = await runL0({
      task: 'provision-aks',
      inputs: { ...valid, action: 'apply' },
      endpoints: endpoints(),
      variables: { 'GitOpsStack.PollIntervalMs': '20' },
    });
    assert.equal(apply.succeeded, true, apply.stdout);
    assert.match(apply.stdout, /##vso\[task\.setvariable variable=storageAccountKey;isOutput=true;issecret=true;\]\S+/);
    assert.match(apply.stdout, /##vso\[task\.setvariable variable=registryLoginServer;isOutput=true;issecret=false;\]acrgitopsstack\.azurecr\.io/);
    assert.match(apply.stdout, /##vso\[task\.setvariable variable=kubeconfigPath;isOutput=true;issecret=false;\]\S+kubeconfig-aks-gitops-cluster/);
    assert.match(apply.stdout, /##vso\[task\.uploadsummary\]/);
  });

  it('names a subscription the connection cannot see', async () => {
    const run = await runL0({ task: 'provision-aks', inputs: { ...valid, subscriptionId: '99999999-0000-4000-8000-000000000000' }, endpoints: endpoints() });
    assert.match(run.errorIssues[0], /^The subscription is not visible to the service connection/);
  });
});
