// ProvisionAks apply against the Resource Manager fake with scaled latencies
// (cluster 4 s, registry 1 s, storage 2 s, each container 0.3 s, role assignment 0.5 s).
// provision_parallel_vs_sequential_ratio: wall time / the sum of those latencies (one command after another).
// provision_critical_path_ratio: wall time / the critical path (resource group + cluster + role assignment + credentials).
'use strict';
const { execFileSync } = require('node:child_process');
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
  const entra = await startFakeServer(path.join(root, 'out', 'test', 'fakes', 'entra-and-oidc.js'), { tenantId: tenant, clients: { spn: { secret: 's3cret-value' } } });
  const arm = await startFakeServer(path.join(root, 'out', 'test', 'fakes', 'azure-resource-manager.js'), { subscriptionId: subscription, polls: 0, latencyMs: LATENCY });
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-provision-'));
  try {
    const endpoint = {
      id: 'c', url: `${arm.url}/`, authorization: { scheme: 'ServicePrincipal', parameters: { tenantid: tenant, serviceprincipalid: 'spn', serviceprincipalkey: 's3cret-value' } },
      data: (k) => ({ subscriptionId: subscription, activeDirectoryAuthority: `${entra.url}/` })[k],
    };
    const host = new ConsoleHost({ endpoints: { c: endpoint }, variables: { 'Agent.TempDirectory': temp, 'GitOpsStack.PollIntervalMs': '50' }, write: () => {}, writeError: () => {} });
    const start = process.hrtime.bigint();
    await provisionAks(host, {
      azureSubscription: 'c', action: 'apply', resourceGroup: 'rg-bench', location: 'eastus', clusterName: 'aks-bench', nodeCount: 2, nodeVmSize: 'Standard_D2s_v5',
      enableAutoscaling: false, networkPlugin: 'azure-overlay', enableWorkloadIdentity: true, entraOnlyAuth: false, createRegistry: true, registryName: 'acrbench',
      registrySku: 'Standard', createStorage: true, storageAccountName: 'stbench', storageSku: 'Standard_LRS', storageContainers: CONTAINERS.join(','),
    });
    const wall = Number(process.hrtime.bigint() - start) / 1e6;
    const sequential = LATENCY.managedClusters + LATENCY.registries + LATENCY.storageAccounts + LATENCY.containers * CONTAINERS.length + LATENCY.roleAssignments;
    const critical = LATENCY.managedClusters + LATENCY.roleAssignments;
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

exports.measure = function measure() {
  // The fakes speak HTTPS with a CA made for this run, trusted by the child through NODE_EXTRA_CA_CERTS.
  const ca = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-ca-'));
  require(path.join(root, 'out', 'test', 'harness', 'test-ca.js')).createTestCa(ca);
  try {
    const env = { ...process.env, TEST_CA_DIR: ca, NODE_EXTRA_CA_CERTS: path.join(ca, 'ca.pem') };
    return JSON.parse(execFileSync(process.execPath, [__filename, '--child'], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'inherit'] }));
  } finally {
    fs.rmSync(ca, { recursive: true, force: true });
  }
};

if (process.argv.includes('--child')) {
  measureAsync().then((metrics) => process.stdout.write(JSON.stringify(metrics)), (error) => {
    console.error(error);
    process.exit(1);
  });
}
