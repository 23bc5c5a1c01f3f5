// Promotion cost against repository size, and concurrency (issue: PromoteEnv).
// promote_seconds_1000_apps: one promotion in a config repo of 1,000 apps x 3 environments with 5,000 commits.
// promote_scale_ratio_1000_vs_100: the same over a 100-app repo (cost should follow what changes, not size).
// promote_concurrent_20_*: 20 promotions of different apps started at once against one remote.
'use strict';
const { childMain, measureInChild } = require('./child-process');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const DEFAULT_PUSH_RETRIES = Number(require('../tasks/promote-env/task.json').inputs.find((i) => i.name === 'pushRetries').defaultValue);
const ENVS = ['dev', 'staging', 'prod'];

function overlay(app, tag) {
  return `# ${app}\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../base\nimages:\n  - name: ${app}\n    newName: acr.azurecr.io/${app}\n    newTag: "${tag}"\n`;
}

/** A bare config repo of `apps` apps with `commits` commits of history, written with git fast-import. */
function generateRepo(dir, apps, commits) {
  const bare = path.join(dir, `config-${apps}.git`);
  execFileSync('git', ['init', '--quiet', '--bare', '--initial-branch=main', bare]);
  execFileSync('git', ['--git-dir', bare, 'config', 'uploadpack.allowFilter', 'true']);
  const chunks = [];
  const data = (text) => `data ${Buffer.byteLength(text)}\n${text}\n`;
  const file = (p, text) => `M 100644 inline ${p}\n${data(text)}`;
  let time = 1700000000;
  const commit = (message, files) =>
    chunks.push(`commit refs/heads/main\ncommitter Bench <bench@example.com> ${time++} +0000\n${data(message)}${files.join('')}`);
  const seed = [];
  for (let a = 0; a < apps; a++) {
    const app = `app-${String(a).padStart(4, '0')}`;
    seed.push(file(`apps/${app}/base/kustomization.yaml`, 'resources:\n  - deployment.yaml\n'));
    for (const env of ENVS) seed.push(file(`apps/${app}/overlays/${env}/kustomization.yaml`, overlay(app, '1.0.0')));
  }
  commit('seed', seed);
  for (let c = 1; c < commits; c++) {
    const app = `app-${String(c % apps).padStart(4, '0')}`;
    commit(`history ${c}`, [file(`apps/${app}/overlays/${ENVS[c % 3]}/kustomization.yaml`, overlay(app, `1.0.${c}`))]);
  }
  execFileSync('git', ['--git-dir', bare, 'fast-import', '--quiet'], { input: chunks.join('') });
  return `file://${bare}`;
}

function request(url, app, tag, work) {
  return {
    repoUrl: url,
    branch: 'main',
    auth: {},
    apps: [app],
    image: { name: `acr.azurecr.io/${app}`, tag },
    targetEnvironment: 'staging',
    layout: 'auto',
    pathPattern: 'apps/{app}/overlays/{env}',
    helmImageKey: 'image.tag',
    author: { name: 'Bench', email: 'bench@example.com' },
    messageTemplate: 'Promote {apps} to {target}: {image}',
    trailers: {},
    dryRun: false,
    // The task's default: the concurrency figure is what a user gets without tuning.
    pushRetries: DEFAULT_PUSH_RETRIES,
    workDir: fs.mkdtempSync(path.join(work, 'wc-')) + '/repo',
  };
}

async function timed(fn) {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

async function measureAsync() {
  const { promote } = require(path.join(root, 'out', 'lib', 'gitops', 'promote.js'));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-promote-'));
  try {
    const big = generateRepo(work, 1000, 5000);
    const small = generateRepo(work, 100, 5000);
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const runs = { big: [], small: [] };
    for (let i = 0; i < 5; i++) {
      runs.big.push(await timed(() => promote(request(big, 'app-0500', `2.0.${i}`, work), () => {})));
      runs.small.push(await timed(() => promote(request(small, 'app-0050', `2.0.${i}`, work), () => {})));
    }
    const apps = Array.from({ length: 20 }, (_, i) => `app-${String(i * 5).padStart(4, '0')}`);
    let landed = 0;
    const concurrent = await timed(async () => {
      const results = await Promise.allSettled(apps.map((app) => promote(request(small, app, '3.0.0', work), () => {})));
      landed = results.filter((r) => r.status === 'fulfilled' && r.value.changed).length;
    });
    const bare = new URL(small).pathname;
    const onBranch = apps.filter((app) =>
      execFileSync('git', ['--git-dir', bare, 'show', `main:apps/${app}/overlays/staging/kustomization.yaml`], { encoding: 'utf8' }).includes('"3.0.0"'),
    ).length;
    return {
      promote_seconds_1000_apps: { value: Number(median(runs.big).toFixed(3)), unit: 'seconds', better: 'lower', goal: 1.5 },
      promote_scale_ratio_1000_vs_100: { value: Number((median(runs.big) / median(runs.small)).toFixed(2)), unit: 'ratio', better: 'lower', goal: 1.3 },
      promote_concurrent_20_landed: { value: Math.min(landed, onBranch), unit: 'commits', better: 'higher', goal: 20 },
      promote_concurrent_20_seconds: { value: Number(concurrent.toFixed(2)), unit: 'seconds', better: 'lower' },
    };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

exports.measure = () => measureInChild(__filename);

childMain(module, measureAsync);
