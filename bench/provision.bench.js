// ProvisionAks apply against the Resource Manager fake with scaled latencies
// (cluster 4 s, registry 1 s, storage 2 s, each container 0.3 s, role assignment 0.5 s).
// Both baselines are measured in the same run, against the same fakes, with the same SDK clients
// (sign-in and polling included), one call after another, into a second resource group:
// provision_parallel_vs_sequential_ratio: ProvisionAks' wall time / every call of the apply in sequence.
// provision_critical_path_ratio: wall time / the calls on the critical path (resource group, cluster,
// role assignment, credentials) as measured in that sequence.
'use strict';
const { childMain, measureInChild } = require('./child-process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const LATENCY = { managedClusters: 4000, registries: 1000, storageAccounts: 2000, containers: 300, roleAssignments: 500 };
const CONTAINERS = ['loki-chunks', 'tempo-traces', 'pyroscope-profiles'];

async function measureAsync() {
  const out = (...p) => require(path.join(root, 'out', ...p));
  const { startFakeServer } = out('test', 'harness', 'fake-server.js');
  const { ConsoleHost } = out('lib', 'pipeline', 'console-host.js');
  const { provisionAks } = out('lib', 'azure', 'provision-aks.js');
  const tenant = '72f988bf-86f1-41af-91ab-2d7cd011db47';
  const subscription = '1b2c3d4e-0000-4000-8000-00000000abcd';
  const entra = await startFakeServer(path.join(root, 'out', 'test', 'fakes', 'entra-and-oidc.js'), {
    tenantId: tenant,
    clients: { spn: { secret: 's3cret-value' } },
  });
  const arm = await startFakeServer(path.join(root, 'out', 'test', 'fakes', 'azure-resource-manager.js'), {
    subscriptionId: subscription,
    polls: 0,
    latencyMs: LATENCY,
  });
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-provision-'));
  try {
    const endpoint = {
      id: 'c',
      url: `${arm.url}/`,
      authorization: { scheme: 'ServicePrincipal', parameters: { tenantid: tenant, serviceprincipalid: 'spn', serviceprincipalkey: 's3cret-value' } },
      data: (k) => ({ subscriptionId: subscription, activeDirectoryAuthority: `${entra.url}/` })[k],
    };
    const host = new ConsoleHost({
      endpoints: { c: endpoint },
      variables: { 'Agent.TempDirectory': temp, 'GitOpsStack.PollIntervalMs': '50' },
      write: () => {},
      writeError: () => {},
    });
    const inputs = {
      azureSubscription: 'c',
      action: 'apply',
      resourceGroup: 'rg-bench',
      location: 'eastus',
      clusterName: 'aks-bench',
      nodeCount: 2,
      nodeVmSize: 'Standard_D2s_v5',
      enableAutoscaling: false,
      networkPlugin: 'azure-overlay',
      enableWorkloadIdentity: true,
      entraOnlyAuth: false,
      createRegistry: true,
      registryName: 'acrbench',
      registrySku: 'Standard',
      createStorage: true,
      storageAccountName: 'stbench',
      storageSku: 'Standard_LRS',
      storageContainers: CONTAINERS.join(','),
    };
    const start = process.hrtime.bigint();
    await provisionAks(host, inputs);
    const wall = Number(process.hrtime.bigint() - start) / 1e6;
    const steps = await sequentialBaseline(
      host,
      { ...inputs, resourceGroup: 'rg-bench-seq', clusterName: 'aks-bench-seq', registryName: 'acrbenchseq', storageAccountName: 'stbenchseq' },
      subscription,
    );
    const sequential = Object.values(steps).reduce((a, b) => a + b, 0);
    const critical = steps.resourceGroup + steps.cluster + steps.roleAssignment + steps.credentials;
    return {
      provision_parallel_vs_sequential_ratio: { value: Number((wall / sequential).toFixed(2)), unit: 'ratio', better: 'lower', goal: 0.6 },
      provision_critical_path_ratio: { value: Number((wall / critical).toFixed(2)), unit: 'ratio', better: 'lower', goal: 1.1 },
    };
  } finally {
    await entra.stop();
    await arm.stop();
    fs.rmSync(temp, { recursive: true, force: true });
  }
}

/** Every call of an apply, one after another through the SDK clients ProvisionAks uses; ms per step. */
async function sequentialBaseline(host, inputs, subscription) {
  const out = (...p) => require(path.join(root, 'out', ...p));
  const { azureConnectionFrom } = out('lib', 'azure', 'azure-connection.js');
  const { armClients } = out('lib', 'azure', 'arm-clients.js');
  const { desiredStack } = out('lib', 'azure', 'desired-stack.js');
  const { ACR_PULL_ROLE, clusterBody, roleAssignmentName } = out('lib', 'azure', 'provisioning-plan.js');
  const clients = armClients(await azureConnectionFrom(host, 'azureSubscription', inputs.azureSubscription), 50);
  const desired = desiredStack(inputs, subscription);
  const rg = inputs.resourceGroup;
  const poll = { updateIntervalInMs: 50 };
  const ms = {};
  const time = async (name, body) => {
    const t = process.hrtime.bigint();
    const result = await body();
    ms[name] = (ms[name] ?? 0) + Number(process.hrtime.bigint() - t) / 1e6;
    return result;
  };
  await time('resourceGroup', () => clients.resources.resourceGroups.createOrUpdate(rg, { location: inputs.location }));
  const cluster = await time('cluster', () => clients.aks.managedClusters.createOrUpdate(rg, inputs.clusterName, clusterBody(desired, undefined), poll));
  const registry = await time('registry', () =>
    clients.acr.registries.create(rg, inputs.registryName, { location: inputs.location, sku: { name: 'Standard' } }, poll),
  );
  await time('storage', () =>
    clients.storage.storageAccounts.create(
      rg,
      inputs.storageAccountName,
      { location: inputs.location, sku: { name: 'Standard_LRS' }, kind: 'StorageV2' },
      poll,
    ),
  );
  for (const c of CONTAINERS) await time('containers', () => clients.storage.blobContainers.create(rg, inputs.storageAccountName, c, {}));
  await time('keys', () => clients.storage.storageAccounts.listKeys(rg, inputs.storageAccountName));
  const principalId = cluster.identityProfile.kubeletidentity.objectId;
  await time('roleAssignment', () =>
    clients.authorization.roleAssignments.create(registry.id.replace(/^\//, ''), roleAssignmentName(registry.id, principalId, ACR_PULL_ROLE), {
      roleDefinitionId: `/subscriptions/${subscription}/providers/Microsoft.Authorization/roleDefinitions/${ACR_PULL_ROLE}`,
      principalId,
      principalType: 'ServicePrincipal',
    }),
  );
  await time('credentials', () => clients.aks.managedClusters.listClusterUserCredentials(rg, inputs.clusterName));
  return ms;
}

exports.measure = function measure() {
  // The fakes speak HTTPS with a CA made for this run, trusted by the child through NODE_EXTRA_CA_CERTS.
  const ca = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-ca-'));
  require(path.join(root, 'out', 'test', 'harness', 'test-ca.js')).createTestCa(ca);
  try {
    const env = { ...process.env, TEST_CA_DIR: ca, NODE_EXTRA_CA_CERTS: path.join(ca, 'ca.pem') };
    return measureInChild(__filename, env);
  } finally {
    fs.rmSync(ca, { recursive: true, force: true });
  }
};

childMain(module, measureAsync);
