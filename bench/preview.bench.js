// preview_all_templates_ms: `gitops-stack preview --check` of the example pipeline and every template
// example, in a fresh process, schema loading included (the compiled validator cached by an earlier run).
// preview_first_run_ms: the same with an empty cache: the schema compiled and cached (informational).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

exports.measure = function measure() {
  const files = ['examples/azure-pipelines.yml', ...fs.readdirSync(path.join(root, 'examples', 'templates')).map((f) => `examples/templates/${f}`)];
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-preview-'));
  const run = () => {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, [path.join(root, 'dist', 'cli', 'gitops-stack.js'), 'preview', '--check', ...files, '--repo', 'templates=.'], {
      cwd: root,
      env: { ...process.env, GITOPS_STACK_CACHE: cache },
      encoding: 'utf8',
    });
    if (result.status !== 0) throw new Error(`preview failed: ${result.stderr}`);
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  const first = run();
  const warm = [1, 2, 3, 4, 5].map(run).sort((a, b) => a - b);
  fs.rmSync(cache, { recursive: true, force: true });
  return {
    preview_all_templates_ms: { value: Math.round(warm[2]), unit: 'ms', better: 'lower', goal: 1000 },
    preview_first_run_ms: { value: Math.round(first), unit: 'ms', better: 'lower' },
  };
};
