import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { startArgoTestController } from '../../../test/cluster/argocd-test-controller';
import { sharedControlPlane } from '../../../test/cluster/shared-control-plane';
import { createConfigRepo, type ConfigRepoFixture } from '../../../test/harness/config-repo-fixture';
import { startFakeServer } from '../../../test/harness/fake-server';
import { REPO_ROOT, runL0 } from '../../../test/harness/run-l0';
import { uniqueName } from '../../../test/harness/unique-name';

const outputs = (stdout: string) =>
  Object.fromEntries([...stdout.matchAll(/##vso\[task\.setvariable variable=([^;]+);isOutput=true;issecret=false;\](.*)/g)].map((m) => [m[1], m[2]]));

describe('PromoteEnv L0 (the shipped bundle)', function () {
  this.timeout(120000);
  let repo: ConfigRepoFixture;
  const base = () => ({
    configRepoUrl: repo.url,
    repoAuth: 'none',
    apps: 'sample-app',
    sourceEnvironment: 'dev',
    targetEnvironment: 'staging',
    verify: 'false',
  });

  beforeEach(() => {
    repo = createConfigRepo(['sample-app', 'web']);
  });

  // Azure Repos (git and the pull request REST API) in front of this test's config repo.
  const ADO_TOKEN = 'job-access-token-for-pull-requests';
  async function withAzureDevOps(body: (repoUrl: string) => Promise<void>): Promise<void> {
    const ado = await startFakeServer(path.join(REPO_ROOT, 'out', 'test', 'fakes', 'azure-devops.js'), {
      organization: 'contoso',
      project: 'gitops',
      projectRoot: path.dirname(repo.bare),
      token: ADO_TOKEN,
    });
    try {
      await body(`${ado.url}/contoso/gitops/_git/config-repo`);
    } finally {
      await ado.stop();
    }
  }
  afterEach(() => repo.cleanup());

  it('fails cleanly naming the first missing required input', async () => {
    const run = await runL0({ task: 'promote-env' });
    assert.equal(run.failed, true);
    assert.match(run.errorIssues[0], /^Input required: 'configRepoUrl' \(Config repository URL\)\./);
  });

  it('reports an unexpected error in one line, with a stack in the debug log that names the TypeScript source', async () => {
    const run = await runL0({
      task: 'promote-env',
      inputs: base(),
      variables: { 'System.Debug': 'true' },
      fault: { module: 'node:child_process', name: 'execFile' },
    });
    assert.equal(run.failed, true);
    assert.equal(
      run.errorIssues[0],
      'Unexpected error: injected fault in node:child_process.execFile. Run with System.Debug=true for details, and report it if it persists.',
    );
    // The agent's debug command carries the stack with its newlines escaped.
    const debug = run.stdout.split('\n').find((l) => l.startsWith('##vso[task.debug]TypeError: injected fault'));
    const stack = (debug ?? '').replace(/%0A/g, '\n').split('\n').slice(1);
    assert.ok(
      stack.some((l) => /^ {4}at .*\blib\/gitops\/git\.ts:\d+:\d+\)?$/.test(l)),
      `a frame in lib/gitops/git.ts: ${stack.join('\n')}`,
    );
    assert.ok(
      stack.some((l) => /\blib\/gitops\/promote\.ts:\d+:\d+/.test(l)),
      'and the caller in promote.ts',
    );
    assert.ok(!stack.some((l) => /index(\.library)?\.js:/.test(l)), 'no frame left pointing at a minified bundle');
  });

  it('refuses a malformed image and an undefined variable by name, before touching the repo', async () => {
    const bad = await runL0({ task: 'promote-env', inputs: { ...base(), sourceEnvironment: '', image: 'Sample App:latest' } });
    assert.match(bad.errorIssues[0], /^Input 'image' \(Image\) 'Sample App:latest' must be name:tag, name@sha256:<64 hex> or name:tag@sha256:<64 hex>\.$/);
    const macro = await runL0({ task: 'promote-env', inputs: { ...base(), sourceEnvironment: '', image: '$(imageRef)' } });
    assert.equal(macro.errorIssues[0], "Input 'image' (Image) is '$(imageRef)': no variable of that name is defined in this run.");
    assert.equal(repo.log().length, 1);
  });

  it('pushes one commit and sets its outputs; the second run changes nothing', async () => {
    const run = await runL0({
      task: 'promote-env',
      inputs: base(),
      variables: {
        'Build.BuildId': '42',
        'Build.BuildNumber': '20261126.7',
        'Build.RequestedFor': 'Jane Doe',
        'System.CollectionUri': 'https://dev.azure.com/contoso/',
        'System.TeamProject': 'gitops',
      },
    });
    assert.equal(run.succeeded, true, run.stdout);
    const out = outputs(run.stdout);
    assert.equal(out.changed, 'true');
    assert.equal(out.commitSha, repo.log('%H')[0]);
    assert.equal(out.previousImage, 'acr.azurecr.io/sample-app:1.4.1');
    assert.equal(out.promotedImage, 'acr.azurecr.io/sample-app:1.4.2');
    assert.match(
      repo.log('%B').join('\n'),
      /Build-Id: 20261126\.7\nRun-Url: https:\/\/dev\.azure\.com\/contoso\/gitops\/_build\/results\?buildId=42\nRequested-By: Jane Doe/,
    );
    assert.match(run.stdout, /##vso\[task\.uploadsummary\]/);

    const again = await runL0({ task: 'promote-env', inputs: base() });
    assert.equal(again.succeeded, true);
    assert.equal(outputs(again.stdout).changed, 'false');
    assert.match(again.stdout, /Nothing to change: sample-app already runs acr\.azurecr\.io\/sample-app:1\.4\.2 in staging/);
    assert.equal(repo.log().length, 2);
  });

  it('promotes Helm values with the default layout (auto) and the default image key', async () => {
    // A hidden input (helmImageKey is shown only for layout helm-values) keeps its default.
    const values = (tag: string) => `image:\n  repository: acr.azurecr.io/web\n  tag: "${tag}"\nreplicaCount: 2\n`;
    const helm = createConfigRepo([], {}, { 'charts/web/dev/values.yaml': values('2.1.0'), 'charts/web/staging/values.yaml': values('2.0.9') });
    try {
      const run = await runL0({ task: 'promote-env', inputs: { ...base(), configRepoUrl: helm.url, apps: 'web', pathPattern: 'charts/{app}/{env}' } });
      assert.equal(run.succeeded, true, run.stdout);
      assert.equal(helm.show('charts/web/staging/values.yaml'), values('2.1.0'), 'only the tag changed');
      const explicit = await runL0({
        task: 'promote-env',
        inputs: { ...base(), configRepoUrl: helm.url, apps: 'web', pathPattern: 'charts/{app}/{env}', helmImageKey: 'image.version' },
      });
      assert.equal(explicit.failed, true, 'an explicit helmImageKey is used with layout auto, not ignored');
      assert.match(explicit.errorIssues[0], /has no value at 'image\.version'/);
    } finally {
      helm.cleanup();
    }
  });

  it('signs in to the config repo as a git host expects: a service connection with basic auth, the job token as bearer', async () => {
    const token = 'pat-0123456789abcdefghij';
    const gitServer = (scheme: 'basic' | 'bearer') =>
      startFakeServer(path.join(REPO_ROOT, 'out', 'test', 'fakes', 'git-http-server.js'), { projectRoot: path.dirname(repo.bare), token, scheme });
    const basic = await gitServer('basic');
    try {
      const connections = {
        generic: { scheme: 'UsernamePassword', parameters: { username: 'build', password: token } },
        tokenOnly: { scheme: 'Token', parameters: { apitoken: token } },
      };
      for (const [id, endpoint] of Object.entries(connections)) {
        const run = await runL0({
          task: 'promote-env',
          inputs: { ...base(), configRepoUrl: `${basic.url}/config-repo.git`, repoAuth: 'serviceConnection', gitServiceConnection: id, dryRun: 'true' },
          endpoints: { [id]: { url: basic.url, ...endpoint } },
          secrets: [token],
        });
        assert.equal(run.succeeded, true, `${id}: ${run.stdout}`);
      }
    } finally {
      await basic.stop();
    }
    const bearer = await gitServer('bearer');
    try {
      const run = await runL0({
        task: 'promote-env',
        inputs: { ...base(), configRepoUrl: `${bearer.url}/config-repo.git`, repoAuth: 'systemAccessToken', dryRun: 'true' },
        secretVariables: { 'System.AccessToken': token },
      });
      assert.equal(run.succeeded, true, run.stdout);
      const refused = await runL0({
        task: 'promote-env',
        inputs: { ...base(), configRepoUrl: `${bearer.url}/config-repo.git`, repoAuth: 'systemAccessToken', dryRun: 'true' },
        secretVariables: { 'System.AccessToken': 'some-other-token-000' },
      });
      assert.match(refused.errorIssues[0], /^The config repo refused the sign-in .*build identity needs Read/);
    } finally {
      await bearer.stop();
    }
  });

  it('promotes plain manifests, auto-detected, leaving other containers alone', async () => {
    const deployment = (tag: string) =>
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      initContainers:\n        - name: wait\n          image: busybox\n      containers:\n        - name: web\n          image: acr.azurecr.io/web:${tag}\n        - name: proxy\n          image: envoyproxy/envoy:v1.31.0\n`;
    const plain = createConfigRepo(
      [],
      {},
      { 'deploy/web/dev/deployment.yaml': deployment('3.1.0'), 'deploy/web/staging/deployment.yaml': deployment('3.0.0') },
    );
    try {
      const run = await runL0({ task: 'promote-env', inputs: { ...base(), configRepoUrl: plain.url, apps: 'web', pathPattern: 'deploy/{app}/{env}' } });
      assert.equal(run.succeeded, true, run.stdout);
      assert.equal(plain.show('deploy/web/staging/deployment.yaml'), deployment('3.1.0'));
    } finally {
      plain.cleanup();
    }
  });

  it('dry run prints the diff and pushes nothing', async () => {
    const run = await runL0({ task: 'promote-env', inputs: { ...base(), dryRun: 'true' } });
    assert.equal(run.succeeded, true);
    assert.match(run.stdout, /\+    newTag: "1\.4\.2"/);
    assert.equal(repo.log().length, 1);
  });

  it('names an unknown environment and pushes nothing', async () => {
    const run = await runL0({ task: 'promote-env', inputs: { ...base(), targetEnvironment: 'qa' } });
    assert.match(run.errorIssues[0], /^apps\/sample-app\/overlays\/qa does not exist in the config repo/);
    assert.equal(repo.log().length, 1);
  });

  it('authenticates to an HTTP remote with System.AccessToken, which never reaches the output', async () => {
    const token = 'job-access-token-Zm9vYmFyYmF6';
    const server = await startFakeServer(path.join(REPO_ROOT, 'out', 'test', 'fakes', 'git-http-server.js'), { projectRoot: path.dirname(repo.bare), token });
    try {
      const inputs = { ...base(), configRepoUrl: `${server.url}/config-repo.git`, repoAuth: 'systemAccessToken' };
      const missing = await runL0({ task: 'promote-env', inputs });
      assert.match(missing.errorIssues[0], /^System\.AccessToken is not available/);
      const run = await runL0({ task: 'promote-env', inputs, secretVariables: { 'System.AccessToken': token }, variables: { 'System.Debug': 'true' } });
      assert.equal(run.succeeded, true, run.stdout);
      assert.ok(run.stdout.includes(`##vso[task.setsecret]${token}`));
      assert.match(repo.show('apps/sample-app/overlays/staging/kustomization.yaml'), /"1\.4\.2"/);
    } finally {
      await server.stop();
    }
  });

  it('opens a pull request in pull-request mode and sets its id and URL as outputs', async () => {
    await withAzureDevOps(async (configRepoUrl) => {
      const run = await runL0({
        task: 'promote-env',
        inputs: { ...base(), configRepoUrl, repoAuth: 'systemAccessToken', mode: 'pull-request', prReviewers: '6b0f2c8a-1a2b-4c3d-9e8f-001122334455' },
        secretVariables: { 'System.AccessToken': ADO_TOKEN },
      });
      assert.equal(run.succeeded, true, run.stdout);
      const out = outputs(run.stdout);
      assert.equal(out.pullRequestId, '1');
      assert.equal(out.pullRequestUrl, `${configRepoUrl}/pullrequest/1`);
      assert.equal(repo.log().length, 1, 'the target branch waits for the pull request');
      assert.match(repo.show('apps/sample-app/overlays/staging/kustomization.yaml', 'promote/staging/sample-app-1.4.2'), /"1\.4\.2"/);
    });
  });

  describe('with verification through Argo CD', () => {
    let controller: { stop(): Promise<void> };
    let kubeconfig: string;
    let namespace: string;

    // Each test has its own Argo CD namespace and controller.
    beforeEach(async () => {
      namespace = uniqueName('argocd-l0');
      const cluster = await sharedControlPlane();
      kubeconfig = cluster.kubeconfig;
      const config = new k8s.KubeConfig();
      config.loadFromFile(kubeconfig);
      await config.makeApiClient(k8s.CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
      controller = startArgoTestController({ kubeconfig, namespace, degradedTags: ['2.0.0-broken'], failingTags: ['2.0.0-invalid'], tickMs: 200 });
    });
    afterEach(() => controller.stop());

    async function registerApp(url: string) {
      const config = new k8s.KubeConfig();
      config.loadFromFile(kubeconfig);
      await k8s.KubernetesObjectApi.makeApiClient(config).create({
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Application',
        metadata: { name: 'sample-app-staging', namespace },
        spec: {
          project: 'default',
          source: { repoURL: url, path: 'apps/sample-app/overlays/staging', targetRevision: 'main' },
          destination: { server: 'https://kubernetes.default.svc', namespace: 'sample-app-staging' },
          syncPolicy: { automated: {} },
        },
      } as k8s.KubernetesObject);
    }

    /** A verified promotion of the image tag `tag` into staging, through the shipped bundle. */
    async function verifiedPromotion(tag: string, timeoutMinutes: number) {
      await registerApp(repo.url);
      const image = `acr.azurecr.io/sample-app:${tag}`;
      return runL0({
        task: 'promote-env',
        inputs: { ...base(), sourceEnvironment: '', image, verify: 'true', kubeconfig, argocdNamespace: namespace, timeoutMinutes: String(timeoutMinutes) },
      });
    }

    it('waits until Argo CD runs the commit and it is Healthy, then marks the deployment in Grafana', async () => {
      await registerApp(repo.url);
      const grafanaToken = 'glsa_grafana-service-account-token';
      const grafana = await startFakeServer(path.join(REPO_ROOT, 'out', 'test', 'fakes', 'grafana.js'), { token: grafanaToken });
      try {
        const started = Date.now();
        const run = await runL0({
          task: 'promote-env',
          inputs: { ...base(), verify: 'true', kubeconfig, argocdNamespace: namespace, timeoutMinutes: '1', grafanaUrl: grafana.url, grafanaToken },
        });
        assert.equal(run.succeeded, true, run.stdout);
        assert.match(run.stdout, /health Healthy/);
        assert.equal(outputs(run.stdout).rolledBack, undefined);
        const [annotation] = (await grafana.requests()).map((r) => JSON.parse(r.body));
        assert.deepEqual(annotation.tags, ['deployment', 'staging', 'sample-app']);
        assert.ok(annotation.time >= started && annotation.timeEnd > annotation.time && annotation.timeEnd <= Date.now(), 'a region from start to end');
        assert.match(annotation.text, /^Promoted sample-app acr\.azurecr\.io\/sample-app:1\.4\.1 → acr\.azurecr\.io\/sample-app:1\.4\.2 \([0-9a-f]{12}\)$/);
      } finally {
        await grafana.stop();
      }
    });

    it('in pull-request mode, waits for the auto-completed merge and verifies the merge commit', async () => {
      await withAzureDevOps(async (configRepoUrl) => {
        await registerApp(repo.url);
        const run = await runL0({
          task: 'promote-env',
          inputs: {
            ...base(),
            configRepoUrl,
            repoAuth: 'systemAccessToken',
            mode: 'pull-request',
            prAutoComplete: 'true',
            verify: 'true',
            kubeconfig,
            argocdNamespace: namespace,
            timeoutMinutes: '1',
          },
          secretVariables: { 'System.AccessToken': ADO_TOKEN },
        });
        assert.equal(run.succeeded, true, run.stdout);
        const merge = repo.log('%H')[0];
        assert.match(repo.log()[0], /^Merged PR 1: /);
        assert.ok(run.stdout.includes(`Pull request 1 completed as ${merge}.`));
        assert.match(run.stdout, new RegExp(`synced ${merge.slice(0, 12)} \\(Synced\\), operation Succeeded.*health Healthy`));
      });
    });

    it('refuses before pushing when verification could not work: cluster unreachable, Application missing, pattern no name', async () => {
      const before = repo.log('%H')[0];
      const unreachable = path.join(path.dirname(kubeconfig), `${uniqueName('unreachable')}.kubeconfig`);
      fs.writeFileSync(unreachable, fs.readFileSync(kubeconfig, 'utf8').replace(/server: \S+/, 'server: https://127.0.0.1:1'));
      const cases: [Record<string, string>, RegExp][] = [
        [
          { kubeconfig: unreachable },
          /^Input 'kubeconfig': the cluster at https:\/\/127\.0\.0\.1:1 cannot be reached \(ECONNREFUSED\); nothing was changed\.$/,
        ],
        [
          { kubeconfig },
          /^Argo CD Application 'sample-app-staging' not found in namespace '.*' \(inputs 'applicationPattern', 'argocdNamespace'\).*Nothing was pushed\.$/,
        ],
        [{ kubeconfig, applicationPattern: '{app}.-{env}' }, /^Input 'applicationPattern' gives 'sample-app\.-staging', which cannot be an Application name/],
      ];
      for (const [inputs, message] of cases) {
        const run = await runL0({ task: 'promote-env', inputs: { ...base(), verify: 'true', argocdNamespace: namespace, ...inputs } });
        assert.equal(run.failed, true, JSON.stringify(inputs));
        assert.match(run.errorIssues[0], message);
        assert.equal(repo.log('%H')[0], before, 'nothing pushed');
      }
    });

    it('reverts a promotion whose sync Argo CD reports Failed, without waiting for the timeout', async () => {
      const run = await verifiedPromotion('2.0.0-invalid', 5);
      assert.equal(run.failed, true);
      assert.equal(outputs(run.stdout).rolledBack, 'true');
      assert.match(
        run.errorIssues[0],
        /operation Failed \(one or more objects failed to apply, reason: Deployment\.apps "sample-app" is invalid\).*the sync ended Failed.*The promotion was reverted by [0-9a-f]{40}\. sample-app-staging is Healthy again\./,
      );
      assert.match(repo.show('apps/sample-app/overlays/staging/kustomization.yaml'), /"1\.4\.1"/);
    });

    it('reverts a promotion that goes Degraded, waits for recovery, and fails naming app, revision and health', async () => {
      const run = await verifiedPromotion('2.0.0-broken', 1);
      assert.equal(run.failed, true);
      assert.equal(outputs(run.stdout).rolledBack, 'true');
      assert.match(
        run.errorIssues[0],
        new RegExp(
          `^Promotion to staging failed verification: Argo CD Application ${namespace}/sample-app-staging, wanted revision [0-9a-f]{12}, .*health Degraded, unhealthy: Deployment .*exceeded its progress deadline.*The promotion was reverted by [0-9a-f]{40}\\. sample-app-staging is Healthy again\\.`,
        ),
      );
      assert.match(repo.log()[0], /^Revert "Promote sample-app to staging/);
      assert.match(repo.show('apps/sample-app/overlays/staging/kustomization.yaml'), /"1\.4\.1"/);
    });
  });
});
