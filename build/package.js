#!/usr/bin/env node
// Packages dist/ into dist/<publisher>.<id>-<version>.vsix with tfx-cli.
// The version comes from package.json; `--release` applies vss-extension.release.json
// (the release publisher, public listing); `--private` or `--public` sets the listing either way
// (`npm run package -- --release --private` for a release shared with chosen organizations).
// Run `npm run build` first (npm run package does).
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const { version } = require('../package.json');
const release = process.argv.includes('--release');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'vss-extension.json'), 'utf8'));
const overrides = release ? JSON.parse(fs.readFileSync(path.join(root, 'vss-extension.release.json'), 'utf8')) : {};
if (process.argv.includes('--private') && process.argv.includes('--public')) {
  console.error('package: --private and --public exclude each other');
  process.exit(1);
}
if (process.argv.includes('--private')) overrides.public = false;
if (process.argv.includes('--public')) overrides.public = true;
const publisher = overrides.publisher ?? manifest.publisher;

// tfx packs (and validates) a staging folder holding only what ships: the
// bundled tasks from the build, the manifest, the overview, icon and licence.
const stage = path.join(root, 'dist', 'extension');
for (const file of ['vss-extension.json', 'LICENSE', 'extension/overview.md', 'extension/icon.png']) {
  fs.mkdirSync(path.dirname(path.join(stage, file)), { recursive: true });
  fs.copyFileSync(path.join(root, file), path.join(stage, file));
}
// The Marketplace page's images (build/screenshots.js makes them).
fs.cpSync(path.join(root, 'extension', 'images'), path.join(stage, 'extension', 'images'), { recursive: true });
for (const file of manifest.files.filter((f) => f.path.startsWith('tasks/'))) {
  if (!fs.existsSync(path.join(stage, file.path, 'index.js'))) {
    console.error(`package: ${file.path}/index.js is missing; run npm run build first`);
    process.exit(1);
  }
}
const out = path.join(root, 'dist', `${publisher}.${manifest.id}-${version}.vsix`);
const args = [
  require.resolve('tfx-cli/_build/tfx-cli.js'),
  'extension',
  'create',
  '--root',
  stage,
  '--manifest-globs',
  'vss-extension.json',
  '--override',
  JSON.stringify({ ...overrides, version }),
  '--output-path',
  out,
  '--no-prompt',
  '--no-color',
];
execFileSync(process.execPath, args, { cwd: stage, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, TFX_TRACE: '' } });
console.log(`package: ${path.relative(root, out)} (${fs.statSync(out).size} bytes)`);
