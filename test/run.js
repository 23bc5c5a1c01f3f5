#!/usr/bin/env node
// `npm test`: builds what ships, makes a test CA, then runs every layer with mocha:
// unit (lib/, cli/), L0 (tasks/*/tests, against the bundles), integration and packaging (test/).
// `npm run test:unit` (--unit): only the tests that need no control plane, fake server, bundle
// or network; compiles with tsc alone. Ends with the line `N passed, N failed`.
// Flags: --unit, --no-build, --grep <text>, --shuffle [seed] (tests in a seeded random order,
// to prove that none depends on another). No test is ever retried: a flaky test is a bug.
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const unit = args.includes('--unit');

if (process.env.GITOPS_TEST_MOCHA) runMocha();
else prepareAndSpawn();

function prepareAndSpawn() {
  const started = Date.now();
  if (unit) {
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', root], { stdio: 'inherit' });
    const { status } = spawnSync(process.execPath, [__filename, ...args], {
      stdio: 'inherit',
      env: { ...process.env, GITOPS_TEST_MOCHA: '1', GITOPS_TEST_TIER: 'unit' },
    });
    console.log(`unit tier: ${((Date.now() - started) / 1000).toFixed(1)} s, compile included`);
    process.exit(status ?? 1);
  }
  if (!args.includes('--no-build')) {
    execFileSync(process.execPath, [path.join(root, 'build', 'build.js')], { stdio: 'inherit' });
    require(path.join(root, 'build', 'sample-app.js')).buildSampleApp();
  }
  // The integration tests' control plane: built from Go modules once, then cached (test/cluster/build).
  // Go builds the tests need, each once and then cached in ~/.cache/gitops-stack: the control plane
  // (test/cluster), Argo CD's notification engine (test/notifications), prometheus and promtool (test/prometheus),
  // Alloy's parser (test/alloy).
  const built = (script) => execFileSync('bash', [path.join(root, 'test', script, 'build')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const clusterBin = built('cluster');
  const notificationsChecker = built('notifications');
  const prometheusBin = built('prometheus');
  const alloyChecker = built('alloy');
  const caDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-stack-ca-'));
  const { createTestCa } = require(path.join(root, 'out', 'test', 'harness', 'test-ca.js'));
  const ca = createTestCa(caDir);
  // NODE_EXTRA_CA_CERTS only counts at process start, so mocha runs in a child
  // that has it, as do the task runs and CLI runs it starts in turn.
  const { status } = spawnSync(process.execPath, [__filename, ...args], {
    stdio: 'inherit',
    env: {
      ...process.env,
      GITOPS_TEST_MOCHA: '1',
      TEST_CA_DIR: caDir,
      NODE_EXTRA_CA_CERTS: ca.caFile,
      GIT_SSL_CAINFO: ca.caFile,
      KUBEBUILDER_ASSETS: clusterBin,
      NOTIFICATIONS_CHECKER: notificationsChecker,
      PROMETHEUS_BIN: prometheusBin,
      ALLOY_CHECKER: alloyChecker,
    },
  });
  fs.rmSync(caDir, { recursive: true, force: true });
  process.exit(status ?? 1);
}

// Test files are found from the sources, so a compiled file left in out/ by a renamed test never runs.
function testSources(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : testSources(full);
    return entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

// The unit tier: lib/, cli/ and the harness's own tests, except files named *.integration.test.ts.
// Helpers that start servers refuse to run in it (test/harness/test-tier.ts), so a misfiled test fails.
function testFiles() {
  const layers = unit ? ['lib', 'cli', path.join('test', 'harness')] : ['lib', 'cli', 'tasks', 'test'];
  return layers
    .flatMap((layer) => testSources(path.join(root, layer)))
    .filter((file) => !unit || !file.endsWith('.integration.test.ts'))
    .map((file) => path.join(root, 'out', path.relative(root, file)).replace(/\.ts$/, '.js'))
    .sort();
}

// mulberry32: a small seeded generator, so a failing order can be replayed with its seed.
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle(suite, next) {
  for (const list of [suite.tests, suite.suites]) {
    for (let i = list.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [list[i], list[j]] = [list[j], list[i]];
    }
  }
  for (const child of suite.suites) shuffle(child, next);
}

async function runMocha() {
  const { Mocha } = require('mocha');
  const grepAt = args.indexOf('--grep');
  const mocha = new Mocha({ timeout: 60000, reporter: 'spec', retries: 0, grep: grepAt >= 0 ? args[grepAt + 1] : undefined });
  for (const file of testFiles()) mocha.addFile(file);
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  await mocha.loadFilesAsync();
  const shuffleAt = args.indexOf('--shuffle');
  if (shuffleAt >= 0) {
    const given = Number(args[shuffleAt + 1]);
    const seed = Number.isInteger(given) ? given : Math.floor(Math.random() * 2 ** 31);
    shuffle(mocha.suite, random(seed));
    console.log(`tests in shuffled order, seed ${seed} (replay with --shuffle ${seed})`);
  }
  if (!unit) mocha.suite.afterAll(() => require(path.join(root, 'out', 'test', 'cluster', 'shared-control-plane.js')).stopSharedControlPlane());
  const runner = mocha.run();
  runner.on('pass', () => passed++);
  runner.on('fail', () => failed++);
  runner.on('pending', () => skipped++);
  runner.on('end', () => {
    console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
    process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
  });
}
