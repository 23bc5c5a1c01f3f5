import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startFakeServer, type FakeServer } from '../../../test/harness/fake-server';
import { ConsoleHost } from '../../pipeline/console-host';
import type { ServiceEndpoint } from '../../pipeline/task-host';
import { UserError } from '../../user-error';
import type { ProvisionAksInputs } from '../desired-stack';
import { provisionAks } from '../provision-aks';

const FAKES = path.resolve(__dirname, '..', '..', '..', 'test', 'fakes');
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const SUBSCRIPTION = '1b2c3d4e-0000-4000-8000-00000000abcd';

describe('ProvisionAks against local fakes of Resource Manager and Entra ID', function () {
  this.timeout(120000);
  let entra: FakeServer;
  let arm: FakeServer;
  let temp: string;

  const inputs = (overrides: Partial<ProvisionAksInputs> = {}): ProvisionAksInputs => ({
    azureSubscription: 'azure-gitops',
    action: 'apply',
    resourceGroup: 'rg-gitops',
    location: 'eastus',
    tags: 'team=platform',
    clusterName: 'aks-gitops-cluster',
    nodeCount: 2,
    nodeVmSize: 'Standard_DC2s_v3',
    enableAutoscaling: false,
    networkPlugin: 'azure-overlay',
    enableWorkloadIdentity: true,
    entraOnlyAuth: false,
    createRegistry: true,
    registryName: 'acrgitopsstack',
    registrySku: 'Standard',
    createStorage: true,
    storageAccountName: 'stgitopsobs',
    storageSku: 'Standard_LRS',
    storageContainers: 'loki-chunks,tempo-traces,pyroscope-profiles',
    destroyResourceGroup: true,
    ...overrides,
  });
  const run = async (overrides: Partial<ProvisionAksInputs> = {}) => {
    const out: string[] = [];
    const endpoint: ServiceEndpoint = {
      id: 'azure-gitops',
      url: `${arm.url}/`,
      authorization: {
        scheme: 'ServicePrincipal',
        parameters: { tenantid: TENANT, serviceprincipalid: 'spn', serviceprincipalkey: 'spn-secret-value-1', authenticationType: 'spnKey' },
      },
      data: (k) => ({ subscriptionId: SUBSCRIPTION, environment: 'AzureCloud', activeDirectoryAuthority: `${entra.url}/` })[k],
    };
    const host = new ConsoleHost({
      endpoints: { 'azure-gitops': endpoint },
      variables: { 'Agent.TempDirectory': temp, 'GitOpsStack.PollIntervalMs': '50' },
      write: (l) => out.push(l),
      writeError: (l) => out.push(l),
    });
    const message = await provisionAks(host, inputs(overrides));
    return { message, host, out: out.join('\n') };
  };
  const writes = async (since: number) =>
    (await arm.requests())
      .slice(since)
      .filter((r) => r.method === 'PUT' || r.method === 'DELETE')
      .map((r) => `${r.method} ${r.path.includes('/providers/') ? r.path.split('/providers/').pop()!.split('/').slice(0, 2).join('/') : r.path.toLowerCase()}`);

  // Each test gets its own Resource Manager and Entra ID: what one test created is never seen by another.
  beforeEach(async () => {
    temp = fs.mkdtempSync(path.join(os.tmpdir(), 'provision-'));
    entra = await startFakeServer(path.join(FAKES, 'entra-and-oidc.js'), {
      tenantId: TENANT,
      clients: { spn: { secret: 'spn-secret-value-1' } },
      accessTokenLifetimeSeconds: 3600,
    });
    arm = await startFakeServer(path.join(FAKES, 'azure-resource-manager.js'), {
      subscriptionId: SUBSCRIPTION,
      polls: 2,
      takenNames: ['acrtakenbyothers'],
      principalNotFoundTimes: 2,
    });
  });
  afterEach(async () => {
    await entra.stop();
    await arm.stop();
    fs.rmSync(temp, { recursive: true, force: true });
  });

  it('plans everything as create on an empty subscription and sends no write', async () => {
    const { message, out, host } = await run({ action: 'plan' });
    assert.equal(message, "Plan: 8 change(s); run with action 'apply' to make them.");
    assert.match(out, /resource group\s+rg-gitops\s+create\s+eastus/);
    assert.match(out, /AKS cluster\s+aks-gitops-cluster\s+create\s+2 × Standard_DC2s_v3; network azure-overlay; workload identity/);
    assert.equal(host.outputs.planChanges, '8');
    assert.deepEqual(await writes(0), []);
  });

  it('applies: creates everything once, in parallel, and writes a 0600 kubeconfig whose token is a secret', async () => {
    const before = (await arm.requests()).length;
    const { message, host, out } = await run();
    assert.equal(message, 'Applied 8 change(s).');
    const sent = await writes(before);
    assert.deepEqual(
      sent.filter((w) => w.startsWith('PUT')).sort(),
      [
        'PUT Microsoft.Authorization/roleAssignments',
        'PUT Microsoft.Authorization/roleAssignments',
        'PUT Microsoft.Authorization/roleAssignments',
        'PUT Microsoft.ContainerRegistry/registries',
        'PUT Microsoft.ContainerService/managedClusters',
        'PUT Microsoft.Storage/storageAccounts',
        'PUT Microsoft.Storage/storageAccounts',
        'PUT Microsoft.Storage/storageAccounts',
        'PUT Microsoft.Storage/storageAccounts',
        `PUT /subscriptions/${SUBSCRIPTION}/resourcegroups/rg-gitops`,
      ].sort(),
      'three role assignment PUTs: two PrincipalNotFound while the kubelet identity replicates, then created',
    );
    const kubeconfig = host.outputs.kubeconfigPath;
    assert.equal(fs.statSync(kubeconfig).mode & 0o777, 0o600);
    const token = /token: (\S+)/.exec(fs.readFileSync(kubeconfig, 'utf8'))![1];
    assert.equal(host.mask(token), '***');
    assert.equal(host.outputs.registryLoginServer, 'acrgitopsstack.azurecr.io');
    assert.match(host.outputs.oidcIssuerUrl, /^https:\/\/eastus\.oic\.prod-aks\.azure\.com\//);
    assert.equal(host.mask(host.outputs.storageAccountKey), '***');
    assert.ok(!out.includes(token) && !out.includes(host.outputs.storageAccountKey));
    const state = (await arm.control({ state: true })) as { type: string; properties: Record<string, any> }[];
    const cluster = state.find((r) => r.type === 'Microsoft.ContainerService/ManagedClusters')!;
    assert.deepEqual(
      {
        pool: cluster.properties.agentPoolProfiles[0].count,
        plugin: cluster.properties.networkProfile,
        wi: cluster.properties.securityProfile.workloadIdentity.enabled,
      },
      { pool: 2, plugin: { networkPlugin: 'azure', networkPluginMode: 'overlay' }, wi: true },
    );
  });

  it('a second apply with the same inputs sends no PUT', async () => {
    await run();
    const before = (await arm.requests()).length;
    const { message, out } = await run();
    assert.equal(message, 'Everything was up to date; nothing was changed.', out);
    assert.deepEqual(await writes(before), []);
  });

  it('a changed node count sends exactly one cluster update', async () => {
    await run();
    const before = (await arm.requests()).length;
    const { out } = await run({ nodeCount: 3 });
    assert.match(out, /AKS cluster\s+aks-gitops-cluster\s+update\s+node count 2 → 3/);
    assert.deepEqual(await writes(before), ['PUT Microsoft.ContainerService/managedClusters']);
  });

  it('says plainly that a registry name is taken, and creates nothing', async () => {
    await assert.rejects(run({ resourceGroup: 'rg-other', registryName: 'acrtakenbyothers', storageAccountName: 'stotherone' }), (error: Error) => {
      assert.ok(error instanceof UserError);
      assert.equal(error.message, "Input 'registryName': 'acrtakenbyothers' is taken (AlreadyExists): registry names are global across Azure; choose another.");
      return true;
    });
    assert.deepEqual(await writes(0), []);
  });

  it('rides out throttling (429 with Retry-After)', async () => {
    await arm.control({ fault: { match: 'PUT .*/registries/', status: 429, retryAfter: 1, times: 1 } });
    const ok = await run();
    assert.equal(ok.message, 'Applied 8 change(s).');
    assert.equal((await arm.requests()).filter((r) => r.method === 'PUT' && /\/registries\/[^/]+$/.test(r.path)).length, 2, 'the throttled PUT was sent again');
  });

  it('reports a failed cluster operation clearly, after the registry and storage it started alongside have finished', async () => {
    await arm.control({ fault: { match: 'managedClusters', status: 0, times: 1, code: 'FailOperation' } });
    await assert.rejects(
      run(),
      /^UserError: Azure could not finish AKS cluster aks-gitops-cluster: ReconcileVMSSAgentPoolFailed\. Agent pool creation failed: the VM size is not available in this region\./,
    );
    const settled = await writes(0);
    // Nothing is written after the task has reported: the storage branch (account, then three containers) ran to its end.
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(await writes(0), settled);
    assert.equal(settled.filter((w) => w === 'PUT Microsoft.Storage/storageAccounts').length, 4, settled.join(', '));
  });

  it('destroy deletes the resource group, after which the plan creates everything again', async () => {
    await run();
    const before = (await arm.requests()).length;
    const { message } = await run({ action: 'destroy' });
    assert.equal(message, 'Destroyed resource group rg-gitops.');
    // Under load the SDK may resend the (idempotent) DELETE; nothing else may be written.
    assert.deepEqual([...new Set(await writes(before))], [`DELETE /subscriptions/${SUBSCRIPTION}/resourcegroups/rg-gitops`]);
    assert.equal((await run({ action: 'plan' })).host.outputs.planChanges, '8');
  });

  it('outlives its tokens: a workload identity sign-in renews the OIDC and access tokens during a long cluster create', async () => {
    const shortEntra = await startFakeServer(path.join(FAKES, 'entra-and-oidc.js'), {
      tenantId: TENANT,
      adoAccessToken: 'job-token-abcdef123',
      oidcTokenLifetimeSeconds: 1,
      accessTokenLifetimeSeconds: 2,
      clients: { wif: { federated: true } },
    });
    const slowArm = await startFakeServer(path.join(FAKES, 'azure-resource-manager.js'), {
      subscriptionId: SUBSCRIPTION,
      polls: 0,
      latencyMs: { managedClusters: 3000 },
    });
    try {
      const endpoint: ServiceEndpoint = {
        id: 'wif',
        url: `${slowArm.url}/`,
        authorization: { scheme: 'WorkloadIdentityFederation', parameters: { tenantid: TENANT, serviceprincipalid: 'wif' } },
        data: (k) => ({ subscriptionId: SUBSCRIPTION, activeDirectoryAuthority: `${shortEntra.url}/` })[k],
      };
      const host = new ConsoleHost({
        endpoints: { wif: endpoint },
        write: () => {},
        writeError: () => {},
        variables: {
          'Agent.TempDirectory': temp,
          'GitOpsStack.PollIntervalMs': '200',
          'System.AccessToken': 'job-token-abcdef123',
          'System.OidcRequestUri': `${shortEntra.url}/org/_apis/distributedtask/hubs/build/plans/p/jobs/j/oidctoken`,
        },
      });
      const message = await provisionAks(host, inputs({ azureSubscription: 'wif', resourceGroup: 'rg-long' }));
      assert.equal(message, 'Applied 8 change(s).');
      const oidc = (await shortEntra.requests()).filter((r) => r.path.endsWith('/oidctoken')).length;
      assert.ok(oidc >= 3, `fresh OIDC tokens were fetched during the 3 s create (${oidc})`);
      assert.equal((await slowArm.requests()).filter((r) => r.method === 'GET' && /operations\//.test(r.path)).length >= 3, true);
    } finally {
      await shortEntra.stop();
      await slowArm.stop();
    }
  });
});
