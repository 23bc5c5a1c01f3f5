import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startFakeServer, type FakeServer } from '../../../test/harness/fake-server';
import { createConfigRepo, git, type ConfigRepoFixture } from '../../../test/harness/config-repo-fixture';
import { promoteRequest } from '../../../test/harness/promote-request';
import { parseImageRef } from '../image-ref';
import type { PromoteRequest } from '../promote';
import { azureReposGitApi, promoteByPullRequest, waitForMerge, type PullRequestOptions } from '../pull-request';
import { revertPromotion } from '../revert';

const TOKEN = 'system-access-token-for-prs-123';

describe('promote by pull request (against a local Azure DevOps fake)', function () {
  this.timeout(60000);
  let repo: ConfigRepoFixture;
  let ado: FakeServer;
  let work: string;
  const options: PullRequestOptions = {
    targetBranch: 'main',
    autoComplete: false,
    mergeStrategy: 'squash',
    deleteSourceBranch: true,
    reviewers: ['6b0f2c8a-1a2b-4c3d-9e8f-001122334455'],
  };
  const request = (tag: string): PromoteRequest =>
    promoteRequest(`${ado.url}/contoso/gitops/_git/config-repo`, {
      auth: { authorization: `bearer ${TOKEN}` },
      sourceEnvironment: undefined,
      image: parseImageRef(`acr.azurecr.io/sample-app:${tag}`),
      targetEnvironment: 'prod',
      author: { name: 'GitOps Stack', email: 'g@example.com' },
      workDir: fs.mkdtempSync(path.join(work, 'wc-')) + '/repo',
    });

  // Each test has its own config repo and Azure DevOps.
  beforeEach(async () => {
    repo = createConfigRepo(['sample-app']);
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-'));
    ado = await startFakeServer(path.resolve(__dirname, '..', '..', '..', 'test', 'fakes', 'azure-devops.js'), {
      organization: 'contoso',
      project: 'gitops',
      projectRoot: path.dirname(repo.bare),
      token: TOKEN,
    });
  });
  afterEach(async () => {
    await ado.stop();
    repo.cleanup();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('pushes a promote/ branch, opens the pull request, then sets auto-complete in a second call', async () => {
    const api = await azureReposGitApi(request('1.4.2').repoUrl, request('1.4.2').auth);
    const outcome = await promoteByPullRequest(request('1.4.2'), { ...options, autoComplete: true }, api, () => {});
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.deepEqual(outcome.pullRequest, {
      id: 1,
      url: `${ado.url}/contoso/gitops/_git/config-repo/pullrequest/1`,
      created: true,
      branch: 'promote/prod/sample-app-1.4.2',
    });
    assert.match(repo.show('apps/sample-app/overlays/prod/kustomization.yaml', 'promote/prod/sample-app-1.4.2'), /newTag: "1\.4\.2"/);
    assert.match(repo.log()[0], /^Merged PR 1: Promote sample-app to prod/, 'auto-complete merged it');

    const rest = (await ado.requests()).filter((r) => r.path.includes('/_apis/'));
    assert.ok(
      rest.some((r) => r.method === 'OPTIONS' && r.path.endsWith('/_apis/Location')),
      'location discovery',
    );
    assert.ok(rest.some((r) => r.method === 'GET' && /\/_apis\/ResourceAreas$/i.test(r.path)));
    const create = rest.find((r) => r.method === 'POST')!;
    assert.deepEqual(JSON.parse(create.body).reviewers, [{ id: options.reviewers[0] }]);
    assert.equal(JSON.parse(create.body).autoCompleteSetBy, undefined);
    const patch = JSON.parse(rest.find((r) => r.method === 'PATCH')!.body);
    assert.deepEqual(patch.completionOptions, {
      mergeStrategy: 2,
      deleteSourceBranch: true,
      mergeCommitMessage: 'Promote sample-app to prod: acr.azurecr.io/sample-app:1.4.2',
    });
    assert.equal(patch.autoCompleteSetBy.id, '2a3c6f8e-5f1e-4d5e-9a51-0c1c6f7d9b11');
    assert.ok(rest.every((r) => r.headers.authorization === `Bearer ${TOKEN}`));
  });

  it('updates the open pull request for the same app and environment instead of opening another', async () => {
    const api = await azureReposGitApi(request('1.5.0').repoUrl, request('1.5.0').auth);
    const first = await promoteByPullRequest(request('1.5.0'), options, api, () => {});
    const logs: string[] = [];
    const outcome = await promoteByPullRequest(request('1.5.1'), options, api, (l) => logs.push(l));
    assert.equal(outcome.pullRequest?.id, first.pullRequest?.id);
    assert.equal(outcome.pullRequest?.created, false);
    assert.match(logs.join('\n'), /Updated the open pull request 1 \(promote\/prod\/sample-app-1\.5\.0\)/);
    const pulls = (await ado.control({})) as { title: string; status: string }[];
    assert.equal(pulls.filter((p) => p.status === 'active').length, 1);
    assert.equal(pulls[0].title, 'Promote sample-app to prod: acr.azurecr.io/sample-app:1.5.1');
    assert.equal(git(repo.bare, 'rev-list', '--count', 'main..promote/prod/sample-app-1.5.0').trim(), '2', 'two promotion commits on the branch');
  });

  it('waits for the pull request to complete and returns the merge commit on the target branch', async () => {
    const api = await azureReposGitApi(request('1.5.1').repoUrl, request('1.5.1').auth);
    const tip = repo.log('%H')[0];
    const opened = await promoteByPullRequest(request('1.5.1'), options, api, () => {});
    const id = opened.pullRequest!.id;
    assert.equal(repo.log('%H')[0], tip, 'not merged before someone completes it');
    setTimeout(() => void ado.control({ complete: id }), 300);
    const merge = await waitForMerge(api, request('1.5.1').repoUrl, id, 20000, () => {}, 100);
    assert.notEqual(merge.commit, tip);
    assert.equal(merge.commit, repo.log('%H')[0]);
    assert.equal(merge.target, tip, 'the target commit the completion merged into');
    assert.match(repo.show('apps/sample-app/overlays/prod/kustomization.yaml'), /newTag: "1\.5\.1"/);
  });

  for (const mergeStrategy of ['noFastForward', 'squash', 'rebase', 'rebaseMerge'] as const) {
    it(`rolls back a pull request completed with ${mergeStrategy}: the branch's promoted files return to before it`, async () => {
      const api = await azureReposGitApi(request('1.5.0').repoUrl, request('1.5.0').auth);
      const before = repo.show('apps/sample-app/overlays/prod/kustomization.yaml');
      // Two promotion commits on the pull request branch (the second updates it), then auto-complete.
      await promoteByPullRequest(request('1.5.0'), options, api, () => {});
      const { pullRequest } = await promoteByPullRequest(request('1.5.1'), { ...options, mergeStrategy, autoComplete: true }, api, () => {});
      const merged = await waitForMerge(api, request('1.5.1').repoUrl, pullRequest!.id, 20000, () => {}, 100);
      assert.match(repo.show('apps/sample-app/overlays/prod/kustomization.yaml'), /newTag: "1\.5\.1"/);
      const parents = repo.log('%P')[0].split(' ').length;
      assert.equal(parents, mergeStrategy === 'noFastForward' || mergeStrategy === 'rebaseMerge' ? 2 : 1, `${mergeStrategy} as the service completes it`);

      const revert = await revertPromotion(
        {
          repoUrl: request('1.5.1').repoUrl,
          branch: 'main',
          auth: request('1.5.1').auth,
          commit: merged.commit,
          before: merged.target,
          paths: ['apps/sample-app/overlays/prod'],
          author: { name: 'GitOps Stack', email: 'g@example.com' },
          reason: 'Degraded',
          pushRetries: 3,
          workDir: path.join(fs.mkdtempSync(path.join(work, 'revert-')), 'repo'),
        },
        () => {},
      );
      assert.equal(revert.pushed, true);
      assert.equal(repo.show('apps/sample-app/overlays/prod/kustomization.yaml'), before, 'back to the tag before the pull request');
      const message = repo.log('%B').join('\n');
      assert.ok(message.includes('Degraded') && message.includes(`Reverts: ${merged.commit}`), message);
    });
  }
});
