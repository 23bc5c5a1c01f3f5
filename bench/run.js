#!/usr/bin/env node
// `npm run bench`: builds and packages, measures, and writes bench/results.json.
// Times are ratios against a baseline timed in the same run (these machines are noisy).
// Other benchmarks add their metrics by exporting `measure()` from bench/<name>.js.
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const RUNS = Number(process.env.BENCH_RUNS || 15);

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function timeRun(args, env) {
  const start = process.hrtime.bigint();
  spawnSync(process.execPath, args, { env, stdio: 'ignore' });
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function main() {
  execFileSync('npm', ['run', '--silent', 'package'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  // The sample app bench runs the example app: build it as npm test does (a fresh clone has no build).
  require(path.join(root, 'build', 'sample-app.js')).buildSampleApp();
  const { version } = require('../package.json');
  const metrics = {};
  const vsix = path.join(root, 'dist', `gitops-stack-dev.gitops-stack-${version}.vsix`);
  metrics.vsix_bytes = { value: fs.statSync(vsix).size, unit: 'bytes', better: 'lower', goal: 3000000 };

  const tasksDir = path.join(root, 'dist', 'extension', 'tasks');
  const tasks = fs.readdirSync(tasksDir).sort();
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
  // A task with no inputs exits right after reading its first input: process start to first input read.
  const env = { PATH: process.env.PATH, AGENT_TEMPDIRECTORY: temp };
  const baseline = [];
  const samples = Object.fromEntries(tasks.map((t) => [t, []]));
  for (let i = 0; i < RUNS; i++) {
    baseline.push(timeRun(['-e', '0'], env));
    for (const task of tasks) samples[task].push(timeRun([path.join(tasksDir, task, 'index.js')], env));
  }
  const base = median(baseline);
  for (const task of tasks) {
    metrics[`task_bundle_bytes.${task}`] = { value: fs.statSync(path.join(tasksDir, task, 'index.js')).size, unit: 'bytes', better: 'lower', goal: 2000000 };
    metrics[`cold_start_ratio.${task}`] = { value: Number((median(samples[task]) / base).toFixed(2)), unit: 'ratio', better: 'lower', goal: 3.0 };
  }
  fs.rmSync(temp, { recursive: true, force: true });

  for (const file of fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.js'))
    .sort()) {
    Object.assign(metrics, require(path.join(__dirname, file)).measure());
  }

  const results = { metrics };
  fs.writeFileSync(path.join(__dirname, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  const width = Math.max(...Object.keys(metrics).map((k) => k.length));
  for (const [name, m] of Object.entries(metrics)) {
    const ok = m.goal === undefined ? ' ' : (m.better === 'lower' ? m.value <= m.goal : m.value >= m.goal) ? '✓' : '✗';
    console.log(`${ok} ${name.padEnd(width)}  ${m.value} ${m.unit}${m.goal === undefined ? '' : ` (goal ${m.better === 'lower' ? '≤' : '≥'} ${m.goal})`}`);
  }
  console.log(`baseline node -e 0: ${base.toFixed(1)} ms (median of ${RUNS})`);
}

main();
