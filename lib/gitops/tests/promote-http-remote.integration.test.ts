import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createConfigRepo } from '../../../test/harness/config-repo-fixture';
import { startFakeServer } from '../../../test/harness/fake-server';
import { promoteRequest } from '../../../test/harness/promote-request';
import { promote } from '../promote';

describe('promote over an HTTP remote that demands the token (git http-backend)', function () {
  this.timeout(60000);
  const TOKEN = 'ado-job-token-0123456789abcdef';

  it('authenticates every git request with the header and persists the token nowhere', async () => {
    const repo = createConfigRepo(['sample-app']);
    const server = await startFakeServer(path.resolve(__dirname, '..', '..', '..', 'test', 'fakes', 'git-http-server.js'), {
      projectRoot: path.dirname(repo.bare),
      token: TOKEN,
    });
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'promote-http-'));
    try {
      const base = promoteRequest(`${server.url}/config-repo.git`, {
        author: { name: 'GitOps Stack', email: 'g@example.com' },
        workDir: path.join(work, 'anonymous'),
      });
      await assert.rejects(
        promote(base, () => {}),
        /^UserError: The config repo refused the sign-in \(fatal: (could not read Username|Authentication failed)[^)]*\)\. With repoAuth 'systemAccessToken' the project's build identity needs Read/,
      );

      const logs: string[] = [];
      const result = await promote({ ...base, auth: { authorization: `bearer ${TOKEN}` }, workDir: path.join(work, 'wc') }, (l) => logs.push(l));
      assert.equal(result.changed, true);
      assert.match(repo.show('apps/sample-app/overlays/staging/kustomization.yaml'), /newTag: "1\.4\.2"/);

      const requests = await server.requests();
      const authorized = requests.filter((r) => r.headers.authorization === `bearer ${TOKEN}`);
      assert.ok(
        authorized.some((r) => r.query.service === 'git-upload-pack') && authorized.some((r) => r.path.endsWith('/git-receive-pack')),
        'clone and push both sent the token',
      );
      const config = fs.readFileSync(path.join(work, 'wc', '.git', 'config'), 'utf8');
      assert.ok(!config.includes(TOKEN) && !/extraheader/i.test(config), '.git/config holds no credential');
      assert.match(config, new RegExp(`url = ${server.url.replace(/[.]/g, '\\.')}/config-repo\\.git\\n`), 'the remote URL carries no credential');
      assert.ok(!logs.join('\n').includes(TOKEN));
    } finally {
      await server.stop();
      repo.cleanup();
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
});
