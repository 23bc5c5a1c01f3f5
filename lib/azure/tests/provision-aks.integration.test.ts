import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startFakeServer, type FakeServer } from '../../../test/harness/fake-server';
import { TestHost } from '../../../test/harness/test-host';
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
  const connection = (): ServiceEndpoint => ({
    id: 'azure-gitops',
    url: `${arm.url}/`,
    authorization: {
      scheme: 'ServicePrincipal',
      parameters: { tenantid: TENANT, serviceprincipalid: 'spn', serviceprincipalkey: 'spn-secret-value-1', authenticationType: 'spnKey' },
    },
    data: (k) => ({ subscriptionId: SUBSCRIPTION, environment: 'AzureCloud', activeDirectoryAuthority: `${entra.url}/` })[k],
  });
  const variables = () => ({ 'Agent.TempDirectory': temp, 'GitOpsStack.PollIntervalMs': '50' });
  const run = async (overrides: Partial<ProvisionAksInputs> = {}) => {
    const out: string[] = [];
    const host = new ConsoleHost({
      endpoints: { 'azure-gitops': connection() },
      variables: variables(),
      write: (l) => out.push(l),
      writeError: (l) => out.push(l),
    });
    const message = await provisionAks(host, inputs(overrides));
    return { message, host, out: out.join('\n') };
  };
  /** A run through the TaskHost test double: what it said (progress included), and how it ended. */
  const attempt = async (overrides: Partial<ProvisionAksInputs> = {}, endpoint = connection()) => {
    const host = new TestHost({ endpoints: { [endpoint.id]: endpoint }, variables: variables() });
    const error = await provisionAks(host, inputs({ azureSubscription: endpoint.id, ...overrides })).then(
      () => undefined,
      (e: Error) => e,
    );
    host.assertNothingSecretSaid();
    return { host, error, said: host.lines().join('\n') };
  };
  const restartArm = async (options: Record<string, unknown>) => {
    await arm.stop();
    arm = await startFakeServer(path.join(FAKES, 'azure-resource-manager.js'), { subscriptionId: SUBSCRIPTION, polls: 2, ...options });
  };
  const clusterState = async () =>
    ((await arm.control({ state: true })) as { type: string; properties: Record<string, any> }[]).find(
      (r) => r.type === 'Microsoft.ContainerService/ManagedClusters',
    );
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

  it('a failed cluster create stops the work beside it, says so clearly, and the summary lists what exists in which state', async () => {
    await arm.control({ fault: { match: 'managedClusters', status: 0, times: 1, code: 'FailOperation' } });
    const { error, host } = await attempt();
    assert.ok(error instanceof UserError);
    assert.match(
      error.message,
      /^Azure could not finish AKS cluster aks-gitops-cluster: ReconcileVMSSAgentPoolFailed\. Agent pool creation failed: the VM size is not available in this region\./,
    );
    const settled = await writes(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(await writes(0), settled, 'nothing is written after the task has reported');
    assert.ok(!settled.includes('PUT Microsoft.Authorization/roleAssignments'), 'no AcrPull for a failed cluster');
    const summary = host.lines('summary').find((s) => s.startsWith('ProvisionAks: apply failed'))!;
    assert.match(summary, /\| AKS cluster \| aks-gitops-cluster \| Failed \|/);
    assert.match(summary, /\| container registry \| acrgitopsstack \| Succeeded \|/);
  });

  it('a cluster left Failed is never "no change": a rerun plans and sends its PUT again, and succeeds once Azure can', async () => {
    await arm.control({ fault: { match: 'managedClusters', status: 0, times: 1, code: 'FailOperation' } });
    assert.ok((await attempt()).error);
    assert.equal((await clusterState())!.properties.provisioningState, 'Failed');
    const plan = await attempt({ action: 'plan' });
    assert.match(plan.said, /AKS cluster\s+aks-gitops-cluster\s+update\s+provisioning state Failed: its PUT is sent again/);
    const before = (await arm.requests()).length;
    const again = await attempt();
    assert.equal(again.error, undefined, again.said);
    const sent = await writes(before);
    assert.ok(sent.includes('PUT Microsoft.ContainerService/managedClusters'), 'the cluster is sent again');
    // The registry had finished beside the failed cluster; the storage branch was stopped, so it is completed now.
    assert.ok(!sent.includes('PUT Microsoft.ContainerRegistry/registries'), sent.join(', '));
    assert.equal((await clusterState())!.properties.provisioningState, 'Succeeded');
  });

  it('after a VM size Azure refused, a rerun with another size deletes only the failed cluster and creates it again', async () => {
    await restartArm({ unsupportedVmSizes: ['Standard_DC2s_v3'] });
    const failed = await attempt();
    assert.match(failed.error!.message, /VMSizeNotSupported\. The VM size of Standard_DC2s_v3 is not supported/);
    const rerun = await attempt();
    assert.ok(rerun.error, 'the same size fails again: no success is reported on a Failed cluster');
    assert.doesNotMatch(rerun.error!.message, /keep 'nodeVmSize' at Standard_DC2s_v3/, 'the advice never points back at the value that failed');

    const plan = await attempt({ action: 'plan', nodeVmSize: 'Standard_D4s_v5' });
    assert.match(
      plan.said,
      /AKS cluster\s+aks-gitops-cluster\s+recreate\s+provisioning state Failed; system pool VM size Standard_DC2s_v3 → Standard_D4s_v5; the failed cluster is deleted, then created again/,
    );
    const before = (await arm.requests()).length;
    const fixed = await attempt({ nodeVmSize: 'Standard_D4s_v5' });
    assert.equal(fixed.error, undefined, fixed.said);
    assert.deepEqual(await writes(before), [
      'DELETE Microsoft.ContainerService/managedClusters',
      'PUT Microsoft.ContainerService/managedClusters',
      'PUT Microsoft.Authorization/roleAssignments',
    ]);
    const cluster = await clusterState();
    assert.deepEqual([cluster!.properties.provisioningState, cluster!.properties.agentPoolProfiles[0].vmSize], ['Succeeded', 'Standard_D4s_v5']);
  });

  it('grants AcrPull as soon as cluster and registry exist, without waiting for storage', async () => {
    await restartArm({ polls: 0, latencyMs: { storageAccounts: 1500 } });
    assert.equal((await attempt()).error, undefined);
    const order = (await arm.requests()).filter((r) => r.method === 'PUT').map((r) => r.path);
    const grant = order.findIndex((p) => p.includes('/roleAssignments/'));
    const container = order.findIndex((p) => p.includes('/blobServices/default/containers/'));
    assert.ok(grant >= 0 && container > grant, `AcrPull (${grant}) before the first container (${container}), which waits for the storage account`);
  });

  it('moves the progress bar on each poll of a long operation, naming what it waits for', async () => {
    await restartArm({ polls: 4 });
    const { host, error } = await attempt();
    assert.equal(error, undefined);
    const progress = host.lines('progress');
    assert.ok(progress.filter((p) => /% AKS cluster aks-gitops-cluster: Creating, \d+ s$/.test(p)).length >= 3, progress.join('\n'));
    assert.ok(progress.some((p) => /% storage account stgitopsobs: Creating, \d+ s$/.test(p)));
  });

  it('translates a refused name check like every other Azure error', async () => {
    await arm.control({ fault: { match: 'POST .*checkNameAvailability', status: 403, times: 2, code: 'AuthorizationFailed' } });
    const { error } = await attempt({ action: 'plan' });
    assert.ok(error instanceof UserError, String(error));
    assert.match(error.message, /^The service connection may not do this while checking the registry name acrgitopsstack: /);
  });

  it('destroy lists what it deletes and keeps first, and removes the AcrPull it granted on a registry it did not create', async () => {
    // A registry of another team's resource group, created first.
    assert.equal((await attempt({ resourceGroup: 'rg-shared', clusterName: 'aks-shared', registryName: 'acrshared', createStorage: false })).error, undefined);
    const ours = { createRegistry: false, registryName: 'acrshared', registryResourceGroup: 'rg-shared' };
    assert.equal((await attempt(ours)).error, undefined);
    const before = (await arm.requests()).length;
    const { said, error, host } = await attempt({ ...ours, action: 'destroy' });
    assert.equal(error, undefined, said);
    assert.match(
      said,
      /Destroy: these are deleted, these are kept:\n[^]*resource group\s+rg-gitops\s+delete\s+and everything in it[^]*AcrPull role assignment\s+kubelet → acrshared\s+delete\s+granted by this task[^]*container registry\s+acrshared\s+no change\s+kept: not created by this task/,
    );
    const deletes = (await writes(before)).filter((w) => w.startsWith('DELETE'));
    assert.deepEqual(deletes, ['DELETE Microsoft.Authorization/roleAssignments', `DELETE /subscriptions/${SUBSCRIPTION}/resourcegroups/rg-gitops`]);
    assert.ok(
      host.lines('info').findIndex((l) => l.startsWith('Destroy: these are deleted')) < host.lines('info').findIndex((l) => l.startsWith('delete ')),
      'listed before the first delete',
    );
    const state = (await arm.control({ state: true })) as { type: string; id: string }[];
    assert.ok(
      state.some((r) => r.type === 'Microsoft.ContainerRegistry/registries' && /acrshared$/.test(r.id)),
      'the registry stays',
    );
  });

  it('works in every Azure cloud: one token audience, from the connection, for every client, and one token request per run', async () => {
    const stackAudience = 'https://management.adfs.azurestack.local/4de154de-f8a8-4017-af41-df619da68155';
    const clouds: { environment: string; data: Record<string, string>; audience: string; stack?: boolean }[] = [
      {
        environment: 'AzureCloud',
        data: { activeDirectoryServiceEndpointResourceId: 'https://management.core.windows.net/' },
        audience: 'https://management.core.windows.net/',
      },
      {
        environment: 'AzureUSGovernment',
        data: { activeDirectoryServiceEndpointResourceId: 'https://management.core.usgovcloudapi.net/' },
        audience: 'https://management.core.usgovcloudapi.net/',
      },
      { environment: 'AzureChinaCloud', data: {}, audience: 'https://management.core.chinacloudapi.cn/' },
      // Azure Stack Hub: a custom Resource Manager URL; authority and audience from its metadata endpoint.
      { environment: 'AzureStack', data: {}, audience: stackAudience, stack: true },
    ];
    for (const cloud of clouds) {
      await restartArm({ audience: cloud.audience, ...(cloud.stack ? { stackMetadata: { loginEndpoint: `${entra.url}/`, audiences: [stackAudience] } } : {}) });
      const data: Record<string, string> = {
        subscriptionId: SUBSCRIPTION,
        environment: cloud.environment,
        ...cloud.data,
        ...(cloud.stack ? {} : { activeDirectoryAuthority: `${entra.url}/` }),
      };
      const endpoint: ServiceEndpoint = { ...connection(), id: `c-${cloud.environment}`, data: (k) => data[k] };
      const tokensBefore = (await entra.requests()).filter((r) => r.path.endsWith('/token')).length;
      const { error, said } = await attempt({ resourceGroup: `rg-${cloud.environment.toLowerCase()}` }, endpoint);
      assert.equal(error, undefined, `${cloud.environment}: ${error?.message}\n${said}`);
      const tokens = (await entra.requests()).filter((r) => r.path.endsWith('/token')).slice(tokensBefore);
      assert.deepEqual(
        tokens.map((t) => new URLSearchParams(t.body).get('scope')),
        [`${cloud.audience.replace(/\/?$/, '/')}.default`],
        `${cloud.environment}: one token request, for its audience`,
      );
      const refused = (await arm.requests()).filter((r) => !String(r.headers.authorization ?? '').startsWith('Bearer ') && r.path !== '/metadata/endpoints');
      assert.deepEqual(refused, [], 'every client sent its token');
    }
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
