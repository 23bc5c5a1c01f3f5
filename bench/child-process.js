// bench/run.js calls each benchmark's measure() synchronously; an async one runs in a child
// process (`node <file> --child`) that prints its metrics as JSON.
'use strict';
const { execFileSync } = require('node:child_process');

/** Runs `file` as the child and returns the metrics it printed. */
function measureInChild(file, env = process.env) {
  return JSON.parse(execFileSync(process.execPath, [file, '--child'], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'inherit'] }));
}

/** In the child (`module` run with --child): runs `measureAsync` and prints its metrics. */
function childMain(module, measureAsync) {
  if (require.main !== module || !process.argv.includes('--child')) return;
  measureAsync().then(
    (metrics) => process.stdout.write(JSON.stringify(metrics)),
    (error) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}

module.exports = { childMain, measureInChild };
