import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../harness/run-l0';

// build/check-versions.js is plain JavaScript run by the release pipeline; its types are these.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { checkVersions } = require(path.join(REPO_ROOT, 'build', 'check-versions.js')) as {
  checkVersions(repo: string, inputs: Record<string, string[]>, options?: { tag?: string }): { problems: string[]; notes: string[]; previous?: string };
};

describe('version discipline (build/check-versions.js) on real git history', () => {
  let repo: string;
  const git = (...args: string[]) => execFileSync('git', ['-C', repo, '-c', 'user.name=T', '-c', 'user.email=t@example.com', ...args], { encoding: 'utf8' });
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
    fs.writeFileSync(path.join(repo, file), text);
  };
  const task = (version: [number, number, number], inputs: object[]) =>
    JSON.stringify({ name: 'PromoteEnv', version: { Major: version[0], Minor: version[1], Patch: version[2] }, inputs });
  const extension = (version: string) => {
    write('package.json', JSON.stringify({ version }));
    write('vss-extension.json', JSON.stringify({ version }));
  };
  const commit = (message: string) => {
    git('add', '-A');
    git('commit', '-q', '-m', message);
  };
  const inputs = { 'promote-env': ['tasks/promote-env/index.ts', 'lib/promote.ts', 'tasks/promote-env/task.json'] };
  const check = (tag?: string) => checkVersions(repo, inputs, { tag });
  const apps = { name: 'apps', type: 'string', label: 'Apps', required: true };
  const mode = { name: 'mode', type: 'pickList', label: 'Mode', options: { push: 'Push', 'pull-request': 'Pull request' } };

  beforeEach(() => {
    repo = fs.mkdtempSync(path.join(os.tmpdir(), 'versions-'));
    git('init', '-q', '-b', 'main');
    extension('0.1.0');
    write('tasks/promote-env/task.json', task([0, 1, 0], [apps, mode]));
    write('tasks/promote-env/index.ts', 'run();\n');
    write('lib/promote.ts', 'export const promote = 1;\n');
    write('docs/readme.md', 'docs\n');
    commit('first release');
    git('tag', 'v0.1.0');
  });
  afterEach(() => fs.rmSync(repo, { recursive: true, force: true }));

  it('refuses a code change of a shipped task without a version bump, naming the task and the files', () => {
    write('lib/promote.ts', 'export const promote = 2;\n');
    commit('fix');
    const { problems, previous } = check();
    assert.equal(previous, 'v0.1.0');
    assert.equal(problems.length, 1);
    assert.match(
      problems[0],
      /^promote-env \(PromoteEnv@0\): its shipped code changed since v0\.1\.0 \(lib\/promote\.ts\) but task\.json is still 0\.1\.0: raise Patch/,
    );
  });

  it('accepts the fix once the task and the extension moved; a docs-only change needs nothing', () => {
    write('docs/readme.md', 'more docs\n');
    commit('docs');
    assert.deepEqual(check().problems, []);
    write('lib/promote.ts', 'export const promote = 2;\n');
    write('tasks/promote-env/task.json', task([0, 1, 1], [apps, mode]));
    commit('fix without the extension version');
    assert.deepEqual(check().problems, ['Tasks moved since v0.1.0 but the extension version is still 0.1.0: raise package.json and vss-extension.json.']);
    extension('0.1.1');
    commit('release 0.1.1');
    assert.deepEqual(check('v0.1.1').problems, []);
    assert.deepEqual(check('v0.1.2').problems, ['The release tag v0.1.2 is not v0.1.1, the version in package.json.']);
  });

  it('asks for Minor when an input is added, and Major when one is removed, retyped or loses an option', () => {
    write('tasks/promote-env/task.json', task([0, 1, 1], [apps, mode, { name: 'dryRun', type: 'boolean', label: 'Dry run' }]));
    extension('0.1.1');
    commit('new input as a patch');
    assert.match(check().problems.join('\n'), /input 'dryRun' added since v0\.1\.0: raise Minor \(at least 0\.2\.0\)/);
    write('tasks/promote-env/task.json', task([0, 2, 0], [apps, { ...mode, options: { push: 'Push' } }]));
    commit('an option removed as a minor');
    assert.match(
      check().problems.join('\n'),
      /input 'mode' lost option\(s\) pull-request since v0\.1\.0: that breaks pipelines using PromoteEnv@0; raise Major/,
    );
    write('tasks/promote-env/task.json', task([1, 0, 0], [apps, { ...mode, options: { push: 'Push' } }]));
    commit('major');
    assert.deepEqual(check().problems, []);
  });

  it('compares with the newest release below HEAD, and says so when there is none', () => {
    const { notes, problems } = checkVersions(REPO_ROOT, JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'out', 'bundle-inputs.json'), 'utf8')));
    const tags = execFileSync('git', ['-C', REPO_ROOT, 'tag', '--list', 'v*.*.*'], { encoding: 'utf8' }).trim();
    if (!tags) assert.deepEqual(notes, ['No earlier release tag (vX.Y.Z) below HEAD: nothing to compare with.']);
    assert.deepEqual(problems, [], 'this repository keeps its own rule');
  });
});
