#!/usr/bin/env node
// Makes the Marketplace page's images (extension/images/*.png) from our real output, so they are
// never drawn by hand and never drift:
// - promotion-summary.png: the run summary the shipped PromoteEnv bundle uploads, from a real
//   promotion in a local config repo (the test fixture), rendered from its Markdown;
// - dashboards.png: the layout of the Grafana dashboards we provision (each panel's grid position,
//   title and type, read from manifests/observability/dashboards/*.json).
// Needs `npm run build` and headless Chromium (Debian: apt-get install chromium). Not part of the
// tests: run it after a change to the summary or the dashboards, and commit the images.
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { marked } = require('marked');

const root = path.resolve(__dirname, '..');
const images = path.join(root, 'extension', 'images');
const chromium = process.env.CHROMIUM ?? '/usr/bin/chromium';
const escapeHtml = (text) => String(text).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const page = (title, body, css) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>body{font-family:"DejaVu Sans",sans-serif;margin:24px;color:#201f1e;background:#fff}${css}</style></head><body>${body}</body></html>`;

function screenshot(html, file, width, height) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'screenshot-'));
  try {
    fs.writeFileSync(path.join(dir, 'page.html'), html);
    const run = spawnSync(
      chromium,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--hide-scrollbars',
        `--window-size=${width},${height}`,
        `--screenshot=${file}`,
        `file://${dir}/page.html`,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    if (run.status !== 0 || !fs.existsSync(file)) throw new Error(`chromium could not take ${path.basename(file)}: ${run.error?.message ?? run.stderr}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(`screenshots: ${path.relative(root, file)}`);
}

/** The Markdown summary of a real promotion by the shipped bundle. */
function promotionSummary() {
  const { createConfigRepo } = require(path.join(root, 'out', 'test', 'harness', 'config-repo-fixture.js'));
  const repo = createConfigRepo(['sample-app']);
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'screenshot-promote-'));
  try {
    const inputs = { configRepoUrl: repo.url, repoAuth: 'none', apps: 'sample-app', sourceEnvironment: 'dev', targetEnvironment: 'staging', verify: 'false' };
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, AGENT_TEMPDIRECTORY: temp, SYSTEM_DEFAULTWORKINGDIRECTORY: temp };
    for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
    const out = execFileSync(process.execPath, [path.join(root, 'dist', 'extension', 'tasks', 'promote-env', 'index.js')], { env, encoding: 'utf8' });
    const file = /##vso\[task\.uploadsummary\](.+)/.exec(out)?.[1].trim();
    if (!file) throw new Error(`PromoteEnv uploaded no summary:\n${out}`);
    return fs.readFileSync(file, 'utf8');
  } finally {
    repo.cleanup();
    fs.rmSync(temp, { recursive: true, force: true });
  }
}

function dashboardsLayout() {
  const dir = path.join(root, 'manifests', 'observability', 'dashboards');
  const unit = { x: 40, y: 22 };
  const sections = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const dashboard = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
      const panels = dashboard.panels ?? [];
      const rows = Math.max(...panels.map((p) => p.gridPos.y + p.gridPos.h));
      const boxes = panels
        .map(
          (p) =>
            `<div class="panel ${escapeHtml(p.type)}" style="left:${p.gridPos.x * unit.x}px;top:${p.gridPos.y * unit.y}px;width:${p.gridPos.w * unit.x - 6}px;height:${p.gridPos.h * unit.y - 6}px"><b>${escapeHtml(p.title)}</b><i>${escapeHtml(p.type)}</i></div>`,
        )
        .join('');
      return { html: `<h2>${escapeHtml(dashboard.title)}</h2><div class="grid" style="height:${rows * unit.y}px">${boxes}</div>`, height: rows * unit.y + 60 };
    });
  const css =
    '.grid{position:relative;width:960px;margin-bottom:12px}.panel{position:absolute;background:#f4f5f5;border:1px solid #c8c8c8;border-radius:3px;padding:6px 8px;box-sizing:border-box;font-size:13px;overflow:hidden}' +
    '.panel b{display:block}.panel i{color:#605e5c;font-size:11px}.panel.row{background:none;border:none;border-bottom:1px solid #999;font-size:15px}.timeseries{border-top:3px solid #5794f2}.logs{border-top:3px solid #73bf69}.flamegraph{border-top:3px solid #ff9830}.table{border-top:3px solid #b877d9}' +
    'h2{font-size:18px;margin:8px 0}';
  return { html: page('Dashboards', sections.map((s) => s.html).join(''), css), height: sections.reduce((a, s) => a + s.height, 48) };
}

fs.mkdirSync(images, { recursive: true });
const summary = marked.parse(promotionSummary());
const summaryCss =
  'h1{font-size:20px;font-weight:600}table{border-collapse:collapse;margin-top:12px}th,td{border:1px solid #c8c8c8;padding:6px 12px;text-align:left;font-size:14px}th{background:#f4f5f5}code{font-family:"DejaVu Sans Mono",monospace;font-size:13px}';
screenshot(page('PromoteEnv summary', summary, summaryCss), path.join(images, 'promotion-summary.png'), 900, 200);
const layout = dashboardsLayout();
screenshot(layout.html, path.join(images, 'dashboards.png'), 1010, layout.height);
