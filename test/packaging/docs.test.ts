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
});
