import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { createConfigRepo, type ConfigRepoFixture } from '../../../test/harness/config-repo-fixture';
import { startFakeServer } from '../../../test/harness/fake-server';
import { TestHost } from '../../../test/harness/test-host';
import { gitConnectionCredentials } from '../../gitops/git-connection';
import { branchTip } from '../argocd-register';

const TOKEN = 'pat-argocd-0123456789abcdef';

// ArgoCDRegister reads the branch it registers (to wait for exactly that commit) with the same
// credentials it gives Argo CD: a git service connection, read as PromoteEnv reads it.
describe('ArgoCDRegister signs in to the config repo with a git service connection', function () {
  this.timeout(60000);
  let repo: ConfigRepoFixture;
  beforeEach(() => {
    repo = createConfigRepo(['sample-app']);
  });
  afterEach(() => repo.cleanup());

  const server = (scheme: 'basic' | 'bearer') =>
    startFakeServer(path.resolve(__dirname, '..', '..', '..', 'test', 'fakes', 'git-http-server.js'), {
      projectRoot: path.dirname(repo.bare),
      token: TOKEN,
      scheme,
    });
  const credentials = () =>
    gitConnectionCredentials(
      new TestHost({
        endpoints: { git: { id: 'git', url: undefined, authorization: { scheme: 'Token', parameters: { apitoken: TOKEN } }, data: () => undefined } },
      }),
      'gitServiceConnection',
      'git',
    );

  it('reads the branch from a remote that takes the token as basic auth', async () => {
    const basic = await server('basic');
    try {
      const tip = await branchTip({ repoUrl: `${basic.url}/config-repo.git`, branch: 'main', credentials: credentials() }, () => {});
      assert.equal(tip, repo.log('%H')[0]);
    } finally {
      await basic.stop();
    }
  });

  it('says so plainly when a remote accepts only a bearer token (Argo CD itself signs in with username and password)', async () => {
    const bearer = await server('bearer');
    try {
      await assert.rejects(
        branchTip({ repoUrl: `${bearer.url}/config-repo.git`, branch: 'main', credentials: credentials() }, () => {}),
        /^UserError: git ls-remote of 'main' failed: /,
      );
    } finally {
      await bearer.stop();
    }
  });
});
