#!/usr/bin/env node
// `npm test`: builds what ships, makes a test CA, then runs every layer with mocha:
// unit (lib/, cli/), L0 (tasks/*/tests, against the bundles), integration and packaging (test/).
// Ends with the line `N passed, N failed`. Flags: --no-build, --grep <text>.
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);

if (process.env.GITOPS_TEST_MOCHA) runMocha();
else prepareAndSpawn();

function prepareAndSpawn() {
  if (!args.includes('--no-build')) {
    execFileSync(process.execPath, [path.join(root, 'build', 'build.js')], { stdio: 'inherit' });
    buildSampleApp();
  }
  // The integration tests' control plane: built from Go modules once, then cached (test/cluster/build).
  const clusterBin = execFileSync('bash', [path.join(root, 'test', 'cluster', 'build')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const caDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-stack-ca-'));
  const { createTestCa } = require(path.join(root, 'out', 'test', 'harness', 'test-ca.js'));
  const ca = createTestCa(caDir);
  // NODE_EXTRA_CA_CERTS only counts at process start, so mocha runs in a child
  // that has it, as do the task runs and CLI runs it starts in turn.
  const { status } = spawnSync(process.execPath, [__filename, ...args], {
    stdio: 'inherit',
    env: { ...process.env, GITOPS_TEST_MOCHA: '1', TEST_CA_DIR: caDir, NODE_EXTRA_CA_CERTS: ca.caFile, GIT_SSL_CAINFO: ca.caFile, KUBEBUILDER_ASSETS: clusterBin },
  });
  fs.rmSync(caDir, { recursive: true, force: true });
  process.exit(status ?? 1);
}

// The example app is its own package (its Dockerfile builds it alone): install it when its lockfile
// changed since the last install, then compile it, as its README says.
function buildSampleApp() {
  const app = path.join(root, 'examples', 'sample-app');
  const stamp = path.join(app, 'node_modules', '.package-lock.json');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  if (!fs.existsSync(stamp) || fs.statSync(stamp).mtimeMs < fs.statSync(path.join(app, 'package-lock.json')).mtimeMs) {
    execFileSync(npm, ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: app, stdio: 'inherit' });
  }
  execFileSync(npm, ['run', '--silent', 'build'], { cwd: app, stdio: 'inherit' });
}

function collect(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return collect(full);
    return entry.name.endsWith('.test.js') ? [full] : [];
  });
}

async function runMocha() {
  const { Mocha } = require('mocha');
  const grepAt = args.indexOf('--grep');
  // One retry keeps a loaded machine from failing a run on a timing fluke; every retry is
  // reported by name and reason below, so flaky tests stay visible instead of hidden.
  const mocha = new Mocha({ timeout: 60000, reporter: 'spec', retries: 1, grep: grepAt >= 0 ? args[grepAt + 1] : undefined });
  for (const layer of ['lib', 'cli', 'tasks', 'test']) for (const file of collect(path.join(root, 'out', layer)).sort()) mocha.addFile(file);
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  await mocha.loadFilesAsync();
  mocha.suite.afterAll(() => require(path.join(root, 'out', 'test', 'cluster', 'shared-control-plane.js')).stopSharedControlPlane());
  const runner = mocha.run();
  runner.on('pass', () => passed++);
  runner.on('fail', () => failed++);
  runner.on('pending', () => skipped++);
  const retried = [];
  runner.on('retry', (test, error) => retried.push(`${test.fullTitle()}: ${String(error && error.message).split('\n')[0]}`));
  runner.on('end', () => {
    for (const line of retried) console.log(`retried once: ${line}`);
    console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
    process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
  });
}
