// Builds the example app (its own package: its Dockerfile builds it alone), as its README says:
// installs it when its lockfile changed since the last install, then compiles it.
// Used by `npm test` and `npm run bench`, which both run it; `node build/sample-app.js` alone works too.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const app = path.resolve(__dirname, '..', 'examples', 'sample-app');

function buildSampleApp() {
  const stamp = path.join(app, 'node_modules', '.package-lock.json');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  if (!fs.existsSync(stamp) || fs.statSync(stamp).mtimeMs < fs.statSync(path.join(app, 'package-lock.json')).mtimeMs) {
    execFileSync(npm, ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: app, stdio: 'inherit' });
  }
  execFileSync(npm, ['run', '--silent', 'build'], { cwd: app, stdio: 'inherit' });
}

module.exports = { buildSampleApp };
if (require.main === module) buildSampleApp();
