// cold_start_valid_inputs_ratio.<task>: each shipped bundle started the way the agent starts it, with
// valid inputs, from process start to its first network connection (a local listener that records
// the moment and closes), over `node -e 0` timed in the same loop. This is the path a real run
// takes: inputs read and checked, then the task's library loaded, then the first call out.
// (cold_start_ratio in bench/run.js times the missing-input path, which fails before the library loads.)
'use strict';
const { childMain, measureInChild } = require('./child-process');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { stringify } = require('yaml');

const root = path.resolve(__dirname, '..');
const tasksDir = path.join(root, 'dist', 'extension', 'tasks');
const RUNS = Number(process.env.BENCH_RUNS || 15);

function kubeconfig(dir, server) {
  const file = path.join(dir, 'kubeconfig');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'bench', cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'bench', user: { token: 'bench-token-0123456789' } }],
    contexts: [{ name: 'bench', context: { cluster: 'bench', user: 'bench' } }],
    'current-context': 'bench',
  };
  fs.writeFileSync(file, stringify(config), { mode: 0o600 });
  return file;
}

/** Agent-style environment (INPUT_*, ENDPOINT_*) of a valid run of each task whose first call goes to `port`. */
function scenarios(dir, port) {
  const https = `https://127.0.0.1:${port}`;
  const kube = kubeconfig(dir, https);
  const input = (values) => Object.fromEntries(Object.entries(values).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v]));
  return {
    'argocd-register': input({
      kubeconfig: kube,
      configRepoUrl: 'https://dev.azure.com/contoso/gitops/_git/config-repo',
      configRepoToken: 'bench-repo-token-0123',
      project: 'sample-app',
      appName: 'sample-app',
      environments: '- name: dev\n',
      syncAndWait: 'false',
    }),
    'deploy-observability': input({ kubeconfig: kube, namespace: 'observability' }),
    // Its first call is the Build API (the run's timeline), at the collection URL.
    'export-pipeline-trace': {
      ...input({ otlpEndpoint: `http://127.0.0.1:${port}` }),
      SYSTEM_COLLECTIONURI: `http://127.0.0.1:${port}/contoso/`,
      SYSTEM_TEAMPROJECT: 'gitops',
      SYSTEM_TEAMPROJECTID: '5f8e2c1a-0b7d-4e3f-9a21-7c4d1e2b3f60',
      BUILD_BUILDID: '42',
      SECRET_SYSTEM_ACCESSTOKEN: 'bench-job-token-0123',
    },
    'promote-env': input({
      configRepoUrl: `${https}/config-repo.git`,
      repoAuth: 'none',
      apps: 'sample-app',
      sourceEnvironment: 'dev',
      targetEnvironment: 'staging',
      verify: 'false',
    }),
    'provision-aks': {
      ...input({
        azureSubscription: 'c',
        action: 'plan',
        resourceGroup: 'rg-bench',
        location: 'eastus',
        clusterName: 'aks-bench',
        registryName: 'acrbench',
        storageAccountName: 'stbench',
      }),
      ENDPOINT_URL_c: `${https}/`,
      ENDPOINT_AUTH_c: JSON.stringify({
        scheme: 'ServicePrincipal',
        parameters: {
          tenantid: '72f988bf-86f1-41af-91ab-2d7cd011db47',
          serviceprincipalid: 'spn',
          serviceprincipalkey: 'bench-secret',
          authenticationType: 'spnKey',
        },
      }),
      ENDPOINT_DATA_c_SUBSCRIPTIONID: '1b2c3d4e-0000-4000-8000-00000000abcd',
      ENDPOINT_DATA_c_ACTIVEDIRECTORYAUTHORITY: `${https}/`,
    },
  };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function measureAsync() {
  const connections = [];
  const server = net.createServer((socket) => {
    connections.shift()?.(process.hrtime.bigint());
    socket.destroy();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-cold-'));
  const all = scenarios(dir, server.address().port);
  const base = { PATH: process.env.PATH, AGENT_TEMPDIRECTORY: dir, SYSTEM_DEFAULTWORKINGDIRECTORY: dir };

  // Start to first connection; a task that exits first never reached the network with these inputs.
  const firstCall = (task) =>
    new Promise((resolve, reject) => {
      const start = process.hrtime.bigint();
      let output = '';
      const child = spawn(process.execPath, [path.join(tasksDir, task, 'index.js')], { env: { ...base, ...all[task] }, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      const onConnection = (at) => {
        child.removeAllListeners('exit');
        child.once('exit', () => resolve(Number(at - start) / 1e6));
        child.kill('SIGKILL');
      };
      connections.push(onConnection);
      child.once('exit', () => {
        connections.splice(connections.indexOf(onConnection), 1);
        reject(new Error(`${task} exited before its first network call:\n${output.slice(-2000)}`));
      });
    });
  const nodeStart = () =>
    new Promise((resolve) => {
      const start = process.hrtime.bigint();
      spawn(process.execPath, ['-e', '0'], { env: base, stdio: 'ignore' }).once('exit', () => resolve(Number(process.hrtime.bigint() - start) / 1e6));
    });

  const tasks = Object.keys(all).sort();
  const samples = Object.fromEntries(tasks.map((t) => [t, []]));
  const baseline = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      baseline.push(await nodeStart());
      for (const task of tasks) samples[task].push(await firstCall(task));
    }
  } finally {
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const b = median(baseline);
  return Object.fromEntries(
    tasks.map((task) => [
      `cold_start_valid_inputs_ratio.${task}`,
      { value: Number((median(samples[task]) / b).toFixed(2)), unit: 'ratio', better: 'lower', goal: 3.0 },
    ]),
  );
}

exports.measure = () => measureInChild(__filename);

childMain(module, measureAsync);
