import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createConfigRepo, git, kustomization, type ConfigRepoFixture } from '../../../test/harness/config-repo-fixture';
import { promoteRequest } from '../../../test/harness/promote-request';
import { UserError } from '../../user-error';
import { parseImageRef } from '../image-ref';
import { promote, type PromoteRequest } from '../promote';
import { sourceEnvironment } from '../promote-env';

const DIGEST = `sha256:${'d'.repeat(64)}`;

describe('promote: image promotion in a real git config repo', function () {
  this.timeout(120000);
  let repo: ConfigRepoFixture;
  let work: string;
  const logs: string[] = [];
  const request = (overrides: Partial<PromoteRequest> = {}): PromoteRequest =>
    promoteRequest(repo.url, {
      trailers: {
        'Build-Id': '20261126.3',
        'Run-Url': 'https://dev.azure.com/contoso/gitops/_build/results?buildId=42',
        'Requested-By': 'Jane Doe <jane@example.com>',
      },
      pushRetries: 5,
      workDir: fs.mkdtempSync(path.join(work, 'wc-')) + '/repo',
      ...overrides,
    });
  const failure = async (promise: Promise<unknown>): Promise<string> => {
    try {
      await promise;
    } catch (error) {
      assert.ok(error instanceof UserError, String(error));
      return error.message;
    }
    assert.fail('expected the promotion to fail');
  };

  beforeEach(() => {
    repo = createConfigRepo(['sample-app', 'billing', 'web']);
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'promote-'));
    logs.length = 0;
  });
  afterEach(() => {
    repo.cleanup();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('promotes what dev runs into staging as one commit with trailers, changing only the tag line', async () => {
    const before = repo.show('apps/sample-app/overlays/staging/kustomization.yaml');
    const result = await promote(request(), (l) => logs.push(l));
    assert.equal(result.changed, true);
    assert.deepEqual(result.apps, [
      {
        app: 'sample-app',
        previous: 'acr.azurecr.io/sample-app:1.4.1',
        promoted: 'acr.azurecr.io/sample-app:1.4.2',
        files: ['apps/sample-app/overlays/staging/kustomization.yaml'],
      },
    ]);
    assert.equal(repo.show('apps/sample-app/overlays/staging/kustomization.yaml'), before.replace('newTag: "1.4.1"', 'newTag: "1.4.2"'));
    assert.equal(repo.log('%H')[0], result.commitSha);
    const message = repo.log('%B')[0] + '\n' + repo.log('%B').slice(1).join('\n');
    assert.match(message, /^Promote sample-app to staging: acr\.azurecr\.io\/sample-app:1\.4\.2/);
    for (const trailer of [
      'Promoted-From: dev',
      'Promoted-To: staging',
      'Image: sample-app=acr.azurecr.io/sample-app:1.4.2',
      'Previous-Image: sample-app=acr.azurecr.io/sample-app:1.4.1',
      'Build-Id: 20261126.3',
      'Requested-By: Jane Doe <jane@example.com>',
    ]) {
      assert.ok(message.includes(trailer), trailer);
    }
    assert.equal(repo.log().length, 2, 'seed + one promotion');
  });

  it('is idempotent: promoting what is already there makes no commit and says so', async () => {
    await promote(request(), () => {});
    const again = await promote(request(), (l) => logs.push(l));
    assert.equal(again.changed, false);
    assert.equal(repo.log().length, 2);
    assert.match(logs.join('\n'), /Nothing to change: sample-app already runs acr\.azurecr\.io\/sample-app:1\.4\.2 in staging/);
  });

  it('promotes several apps together in one commit', async () => {
    const result = await promote(
      request({
        apps: ['sample-app', 'billing', 'web'],
        sourceEnvironment: undefined,
        image: parseImageRef(`acr.azurecr.io/shared:2.0.0@${DIGEST}`),
        targetEnvironment: 'dev',
      }),
      () => {},
    );
    assert.equal(result.apps.length, 3);
    assert.equal(repo.log().length, 2);
    assert.deepEqual(repo.log('%H')[0], result.commitSha);
    const files = git(repo.bare, 'show', '--name-only', '--format=', 'main').trim().split('\n');
    assert.deepEqual(files.sort(), [
      'apps/billing/overlays/dev/kustomization.yaml',
      'apps/sample-app/overlays/dev/kustomization.yaml',
      'apps/web/overlays/dev/kustomization.yaml',
    ]);
  });

  it('reads a tag that looks like a number as written: 1.10 is promoted as "1.10", not 1.1', async () => {
    repo.pushChange('apps/sample-app/overlays/dev/kustomization.yaml', (t) => t.replace('newTag: "1.4.2"', 'newTag: 1.10'), 'numeric-looking tag');
    const result = await promote(request(), () => {});
    assert.equal(result.apps[0].promoted, 'acr.azurecr.io/sample-app:1.10');
    assert.match(repo.show('apps/sample-app/overlays/staging/kustomization.yaml'), /newTag: "1\.10"/);
  });

  /** Commits `change` to the remote through a clone of its own, as a colleague would. */
  const colleague = (change: (dir: string) => void) => {
    const dir = fs.mkdtempSync(path.join(work, 'colleague-'));
    git(work, 'clone', '--quiet', repo.bare, dir);
    change(dir);
    git(dir, 'add', '-A');
    git(dir, 'commit', '--quiet', '-m', 'colleague');
    git(dir, 'push', '--quiet', 'origin', 'HEAD:main');
  };

  it('never edits through a link that leaves the environment: another environment, or a file outside the repository', async () => {
    const staging = 'apps/sample-app/overlays/staging/kustomization.yaml';
    colleague((dir) => {
      fs.rmSync(path.join(dir, staging));
      fs.symlinkSync('../prod/kustomization.yaml', path.join(dir, staging));
    });
    assert.match(
      await failure(promote(request(), () => {})),
      /^apps\/sample-app\/overlays\/staging\/kustomization\.yaml is a symbolic link to apps\/sample-app\/overlays\/prod\/kustomization\.yaml outside apps\/sample-app\/overlays\/staging: PromoteEnv never edits through a link/,
    );
    const outside = path.join(work, 'outside.yaml');
    fs.writeFileSync(outside, kustomization('sample-app', '0.0.1'));
    colleague((dir) => {
      fs.rmSync(path.join(dir, staging));
      fs.symlinkSync(outside, path.join(dir, staging));
    });
    assert.match(await failure(promote(request(), () => {})), /is a symbolic link to .*outside\.yaml outside apps\/sample-app\/overlays\/staging/);
    assert.equal(fs.readFileSync(outside, 'utf8'), kustomization('sample-app', '0.0.1'), 'the file outside is untouched');
    assert.equal(repo.log().length, 3, 'nothing was pushed');
  });

  it("promotes the app's image in plain manifests, whatever other images (an untagged init container) sit beside it", async () => {
    const deployment = (tag: string) =>
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      initContainers:\n        - name: wait\n          image: busybox\n      containers:\n        - name: web\n          image: acr.azurecr.io/web:${tag}\n`;
    colleague((dir) => {
      for (const [env, tag] of [
        ['dev', '2.0.0'],
        ['staging', '1.9.0'],
      ]) {
        fs.mkdirSync(path.join(dir, 'manifests', 'web', env), { recursive: true });
        fs.writeFileSync(path.join(dir, 'manifests', 'web', env, 'deployment.yaml'), deployment(tag));
      }
    });
    const result = await promote(request({ apps: ['web'], pathPattern: 'manifests/{app}/{env}' }), () => {});
    assert.equal(result.apps[0].promoted, 'acr.azurecr.io/web:2.0.0');
    assert.equal(repo.show('manifests/web/staging/deployment.yaml'), deployment('2.0.0'));
  });

  it('Helm values: keeps a digest pinned inside the tag there, and rewrites a one-string image whole, repository included', async () => {
    const pinned = (tag: string) => `image:\n  repository: acr.azurecr.io/web\n  tag: "${tag}"\n`;
    const whole = (ref: string) => `replicaCount: 2\nimage: "${ref}"\n`;
    colleague((dir) => {
      for (const [file, text] of [
        ['charts/web/dev/values.yaml', pinned(`v1.2.4@${DIGEST}`)],
        ['charts/web/staging/values.yaml', pinned(`v1.2.3@sha256:${'e'.repeat(64)}`)],
        ['charts/api/dev/values.yaml', whole('registry.example.com/team/api:1.2.5')],
        ['charts/api/staging/values.yaml', whole('registry.example.com/team/api:1.2.3')],
      ]) {
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.writeFileSync(path.join(dir, file), text);
      }
    });
    const result = await promote(request({ apps: ['web', 'api'], pathPattern: 'charts/{app}/{env}' }), () => {});
    assert.deepEqual(
      result.apps.map((a) => a.promoted),
      [`acr.azurecr.io/web:v1.2.4@${DIGEST}`, 'registry.example.com/team/api:1.2.5'],
    );
    assert.equal(repo.show('charts/web/staging/values.yaml'), pinned(`v1.2.4@${DIGEST}`), 'no separate digest key: a chart reading image.tag keeps the pin');
    assert.equal(repo.show('charts/api/staging/values.yaml'), whole('registry.example.com/team/api:1.2.5'), 'the repository is kept');
  });

  it('writes tag and digest for a tag@digest image, and removes a stale digest for a tag-only one', async () => {
    await promote(
      request({ sourceEnvironment: undefined, image: parseImageRef(`acr.azurecr.io/sample-app:1.5.0@${DIGEST}`), targetEnvironment: 'dev' }),
      () => {},
    );
    assert.match(repo.show('apps/sample-app/overlays/dev/kustomization.yaml'), new RegExp(`newTag: "1.5.0"\n    digest: ${DIGEST}\n`));
    await promote(request(), () => {});
    assert.match(repo.show('apps/sample-app/overlays/staging/kustomization.yaml'), new RegExp(`newTag: "1.5.0"\n    digest: ${DIGEST}\n`));
    await promote(request({ sourceEnvironment: undefined, image: parseImageRef('acr.azurecr.io/sample-app:1.5.1'), targetEnvironment: 'dev' }), () => {});
    assert.equal(repo.show('apps/sample-app/overlays/dev/kustomization.yaml'), kustomization('sample-app', '1.5.1'));
  });

  it('dry run prints the unified diff and pushes nothing', async () => {
    const result = await promote(request({ dryRun: true }), (l) => logs.push(l));
    assert.match(result.diff, /-    newTag: "1\.4\.1"\n\+    newTag: "1\.4\.2"/);
    assert.match(logs.join('\n'), /^Dry run: this commit would be pushed to 'main':\ndiff --git/);
    assert.equal(repo.log().length, 1);
  });

  it('refuses bad input before changing anything: unknown environment, escaping path, broken YAML, missing image entry', async () => {
    assert.match(
      await failure(promote(request({ targetEnvironment: 'stagin' }), () => {})),
      /^apps\/sample-app\/overlays\/stagin does not exist in the config repo: check the app 'sample-app', the environment 'stagin'/,
    );
    assert.match(
      await failure(promote(request({ pathPattern: '../{app}/{env}' }), () => {})),
      /^Input 'pathPattern' \('\.\.\/\{app\}\/\{env\}'\) leads outside the repository/,
    );
    repo.pushChange('apps/sample-app/overlays/staging/kustomization.yaml', (t) => t.replace('images:', 'images: [oops'), 'break yaml');
    assert.match(await failure(promote(request(), () => {})), /^apps\/sample-app\/overlays\/staging\/kustomization\.yaml:6:\d+ is not valid YAML/);
    repo.pushChange('apps/sample-app/overlays/staging/kustomization.yaml', () => 'resources:\n  - ../../base\n', 'no images');
    assert.match(await failure(promote(request(), () => {})), /kustomization\.yaml has no images entry for 'sample-app'/);
    assert.match(await failure(promote(request({ image: parseImageRef('x:1') }), () => {})), /not both/);
    assert.equal(repo.log().length, 3, 'only the two fixture commits were added');
  });
});

describe('PromoteEnv promotionOrder: the source is the environment before the target', () => {
  const order = 'dev, staging,prod';

  it('picks the previous environment, and leaves an explicit source or image alone', () => {
    assert.equal(sourceEnvironment({ targetEnvironment: 'prod', promotionOrder: order }), 'staging');
    assert.equal(sourceEnvironment({ targetEnvironment: 'staging', promotionOrder: order }), 'dev');
    assert.equal(sourceEnvironment({ targetEnvironment: 'prod', sourceEnvironment: 'dev', promotionOrder: order }), 'dev');
    assert.equal(sourceEnvironment({ targetEnvironment: 'dev', image: 'acr.io/app:1.0.0', promotionOrder: order }), undefined);
  });

  it('says why when the target is first or missing from the order', () => {
    assert.throws(
      () => sourceEnvironment({ targetEnvironment: 'dev', promotionOrder: order }),
      /'dev' comes first in 'promotionOrder': nothing comes before it, so set 'image'/,
    );
    assert.throws(
      () => sourceEnvironment({ targetEnvironment: 'qa', promotionOrder: order }),
      /Input 'promotionOrder' \(dev, staging, prod\) does not list the target environment 'qa'\./,
    );
  });
});
