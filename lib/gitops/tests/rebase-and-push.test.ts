import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createConfigRepo, git, type ConfigRepoFixture } from '../../../test/harness/config-repo-fixture';
import { UserError } from '../../user-error';
import { checkoutConfigRepo } from '../config-repo';
import type { Git } from '../git';
import { rebaseAndPush } from '../rebase-and-push';

const STAGING = 'apps/sample-app/overlays/staging/kustomization.yaml';

describe('rebaseAndPush: never forces, replays on a moved branch', function () {
  this.timeout(60000);
  let repo: ConfigRepoFixture;
  let dir: string;
  let wc: Git;

  // A working copy with one local commit, cloned before a colleague pushes.
  async function localCommit(change: (text: string) => string) {
    wc = await checkoutConfigRepo(repo.url, 'main', {}, path.join(dir, 'wc'), ['apps/sample-app/overlays/staging']);
    fs.writeFileSync(path.join(dir, 'wc', STAGING), change(fs.readFileSync(path.join(dir, 'wc', STAGING), 'utf8')));
    git(path.join(dir, 'wc'), 'commit', '--quiet', '-am', 'promote');
  }

  beforeEach(() => {
    repo = createConfigRepo(['sample-app', 'billing']);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'push-'));
  });
  afterEach(() => {
    repo.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("replays the commit onto a colleague's unrelated push and lands it, history linear", async () => {
    await localCommit((t) => t.replace('"1.4.1"', '"1.4.2"'));
    repo.pushChange('apps/billing/overlays/prod/kustomization.yaml', (t) => t.replace('1.4.0', '1.3.9'), 'roll back billing');
    const logs: string[] = [];
    const outcome = await rebaseAndPush(wc, 'main', 3, (l) => logs.push(l));
    assert.equal(outcome.pushed, true);
    assert.equal(outcome.attempts, 2);
    assert.deepEqual(repo.log(), ['promote', 'roll back billing', 'seed']);
    assert.equal(repo.log('%H')[0], outcome.sha);
    assert.match(repo.show(STAGING), /"1\.4\.2"/);
    assert.match(repo.show('apps/billing/overlays/prod/kustomization.yaml'), /"1\.3\.9"/);
    assert.match(logs[0], /^push rejected \(someone pushed first\); replaying the commit on the new 'main'/);
  });

  it('fails on a real conflict, names the file, and leaves the remote as the colleague left it', async () => {
    await localCommit((t) => t.replace('"1.4.1"', '"1.4.2"'));
    repo.pushChange(STAGING, (t) => t.replace('"1.4.1"', '"1.4.1-hotfix"'), 'hotfix staging');
    const tip = repo.log('%H')[0];
    await assert.rejects(
      rebaseAndPush(wc, 'main', 3, () => {}),
      (error: Error) => {
        assert.ok(error instanceof UserError);
        assert.equal(
          error.message,
          `Someone changed the same lines on 'main' meanwhile (conflict in ${STAGING}); nothing was pushed. Check the branch and run the promotion again.`,
        );
        return true;
      },
    );
    assert.equal(repo.log('%H')[0], tip);
    assert.match(repo.show(STAGING), /1\.4\.1-hotfix/);
  });

  it('pushes nothing when the colleague already pushed the same change', async () => {
    await localCommit((t) => t.replace('"1.4.1"', '"1.4.2"'));
    repo.pushChange(STAGING, (t) => t.replace('"1.4.1"', '"1.4.2"'), 'same promotion');
    const outcome = await rebaseAndPush(wc, 'main', 3, () => {});
    assert.equal(outcome.pushed, false);
    assert.deepEqual(repo.log(), ['same promotion', 'seed']);
  });

  it('reports a push refused for another reason without retrying', async () => {
    await localCommit((t) => t.replace('"1.4.1"', '"1.4.2"'));
    const hook = path.join(repo.bare, 'hooks', 'pre-receive');
    fs.writeFileSync(hook, '#!/bin/sh\necho "branch policy: main requires a pull request" >&2\nexit 1\n', { mode: 0o755 });
    await assert.rejects(
      rebaseAndPush(wc, 'main', 3, () => {}),
      /^UserError: git push to 'main' failed: remote: branch policy: main requires a pull request/,
    );
    assert.deepEqual(repo.log(), ['seed']);
  });

  it('git never waits on standard input: an argument such as --stdin reads nothing and returns', async () => {
    await localCommit((t) => t.replace('"1.4.1"', '"1.4.2"'));
    const hashed = await wc.exec(['hash-object', '--stdin']);
    assert.deepEqual([hashed.code, hashed.stdout.trim()], [0, 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391'], 'the hash of empty input');
  });

  it('when the branch already is at our very commit (an identical promotion landed first), reports nothing pushed', async () => {
    const saved = { a: process.env.GIT_AUTHOR_DATE, c: process.env.GIT_COMMITTER_DATE };
    process.env.GIT_AUTHOR_DATE = process.env.GIT_COMMITTER_DATE = '2026-12-01T12:00:00Z';
    try {
      await localCommit((t) => t.replace('"1.4.1"', '"1.4.2"'));
      repo.pushChange(STAGING, (t) => t.replace('"1.4.1"', '"1.4.2"'), 'promote');
      assert.equal(repo.log('%H')[0], git(path.join(dir, 'wc'), 'rev-parse', 'HEAD').trim(), 'the same commit');
      const outcome = await rebaseAndPush(wc, 'main', 3, () => {});
      assert.deepEqual([outcome.pushed, outcome.sha], [false, repo.log('%H')[0]]);
    } finally {
      for (const [key, value] of [
        ['GIT_AUTHOR_DATE', saved.a],
        ['GIT_COMMITTER_DATE', saved.c],
      ] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });
});
