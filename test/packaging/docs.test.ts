import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../harness/run-l0';

describe('docs', () => {
  it('every task has a page whose input table matches its task.json', () => {
    const run = spawnSync(process.execPath, [path.join(REPO_ROOT, 'build', 'docs.js'), '--check'], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    for (const task of fs.readdirSync(path.join(REPO_ROOT, 'tasks'))) {
      if (!fs.existsSync(path.join(REPO_ROOT, 'tasks', task, 'task.json'))) continue;
      const page = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'tasks', `${task}.md`), 'utf8');
      for (const input of JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'tasks', task, 'task.json'), 'utf8')).inputs) {
        assert.ok(page.includes(`| \`${input.name}\` |`), `${task}: ${input.name}`);
      }
    }
  });

  it("README's Install section: every command runs as written, or is marked as needing a real organization", function () {
    this.timeout(180000);
    const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const install = readme.slice(readme.indexOf('\n## Install\n'), readme.indexOf('\n## ', readme.indexOf('\n## Install\n') + 5));
    const commands = [...install.matchAll(/```sh\n([^]*?)```/g)].flatMap((m) => m[1].split('\n').map((l) => l.trim())).filter((l) => l && !l.startsWith('#'));
    const marked = commands.filter((c) => c.endsWith('# needs a real organization'));
    const runnable = commands.filter((c) => !marked.includes(c));
    assert.ok(marked.length >= 2 && runnable.length >= 3, `${marked.length} marked, ${runnable.length} runnable`);
    const { version } = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
    assert.ok(install.includes(`dist/gitops-stack.gitops-stack-${version}.vsix`), 'the publish command names the package that npm run package writes');
    assert.ok(install.includes(`ref: refs/tags/v${version}`), 'the templates are pinned to this release');
    for (const command of runnable) {
      const run = spawnSync('bash', ['-c', command], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      assert.equal(run.status, 0, `${command}\n${run.stdout}${run.stderr}`);
    }
    assert.ok(fs.existsSync(path.join(REPO_ROOT, 'dist', `gitops-stack.gitops-stack-${version}.vsix`)));
  });
});
