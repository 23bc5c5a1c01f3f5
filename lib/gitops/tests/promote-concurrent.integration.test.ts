import * as assert from 'node:assert/strict';
import { createConfigRepo } from '../../../test/harness/config-repo-fixture';
import { promoteRequest } from '../../../test/harness/promote-request';
import { promote } from '../promote';

// Twenty real git clones pushing at once: too slow for the unit tier.
describe('promote: concurrent promotions against one remote', function () {
  this.timeout(120000);
  const request = (repoUrl: string, app: string, pushRetries: number) => promoteRequest(repoUrl, { apps: [app], pushRetries });

  it('lands 20 promotions of different apps started at once: none lost, history linear', async () => {
    const apps = Array.from({ length: 20 }, (_, i) => `app-${String(i).padStart(2, '0')}`);
    const many = createConfigRepo(apps);
    try {
      const results = await Promise.all(
        apps.map((app) =>
          // Raised over the default (5): this test proves that none is lost, not how many the default absorbs (bench: promote_concurrent_20_landed).
          promote(request(many.url, app, 30), () => {}),
        ),
      );
      assert.ok(results.every((r) => r.changed));
      const subjects = many.log();
      assert.equal(subjects.length, 21);
      for (const app of apps) assert.ok(subjects.includes(`Promote ${app} to staging: acr.azurecr.io/${app}:1.4.2`), app);
      assert.ok(
        many.log('%P').every((parents) => parents.split(' ').filter(Boolean).length <= 1),
        'no merge commits',
      );
      for (const app of apps) assert.match(many.show(`apps/${app}/overlays/staging/kustomization.yaml`), /newTag: "1\.4\.2"/);
    } finally {
      many.cleanup();
    }
  });

  it('two identical promotions at the same moment: one lands, the other finds its change there and succeeds unchanged', async () => {
    // Same second, same author, same parent: both make the very same commit.
    const saved = { a: process.env.GIT_AUTHOR_DATE, c: process.env.GIT_COMMITTER_DATE };
    process.env.GIT_AUTHOR_DATE = process.env.GIT_COMMITTER_DATE = '2026-12-01T12:00:00Z';
    const repo = createConfigRepo(['sample-app']);
    try {
      const results = await Promise.all([promote(request(repo.url, 'sample-app', 5), () => {}), promote(request(repo.url, 'sample-app', 5), () => {})]);
      assert.deepEqual(results.map((r) => r.changed).sort(), [false, true]);
      assert.equal(results[0].commitSha, results[1].commitSha, 'both name the commit on the branch');
      assert.equal(repo.log().length, 2, 'one promotion commit');
    } finally {
      process.env.GIT_AUTHOR_DATE = saved.a;
      process.env.GIT_COMMITTER_DATE = saved.c;
      if (saved.a === undefined) delete process.env.GIT_AUTHOR_DATE;
      if (saved.c === undefined) delete process.env.GIT_COMMITTER_DATE;
      repo.cleanup();
    }
  });
});
