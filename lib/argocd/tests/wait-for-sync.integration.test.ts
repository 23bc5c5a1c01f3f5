import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { startArgoTestController } from '../../../test/cluster/argocd-test-controller';
import { sharedControlPlane } from '../../../test/cluster/shared-control-plane';
import { createConfigRepo, type ConfigRepoFixture } from '../../../test/harness/config-repo-fixture';
import { uniqueName } from '../../../test/harness/unique-name';
import { promoteRequest } from '../../../test/harness/promote-request';
import { parseImageRef } from '../../gitops/image-ref';
import { promote, type PromoteRequest } from '../../gitops/promote';
import { revertPromotion } from '../../gitops/revert';
import { ApplicationClient } from '../application';
import { waitForSync } from '../wait-for-sync';

describe('waitForSync against the real control plane and a test Argo CD controller', function () {
  this.timeout(120000);
  let repo: ConfigRepoFixture;
  let work: string;
  let client: ApplicationClient;
  let objects: k8s.KubernetesObjectApi;
  let controller: { stop(): Promise<void> };
  let namespace: string;
  const logs: string[] = [];

  const promotion = (tag: string, target = 'staging'): PromoteRequest =>
    promoteRequest(repo.url, {
      sourceEnvironment: undefined,
      image: parseImageRef(`acr.azurecr.io/sample-app:${tag}`),
      targetEnvironment: target,
      layout: 'kustomize',
      author: { name: 'GitOps Stack', email: 'g@example.com' },
      workDir: fs.mkdtempSync(path.join(work, 'wc-')) + '/repo',
    });

  async function application(name: string, env: string, automated: boolean) {
    await objects.create({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name, namespace },
      spec: {
        project: 'default',
        source: { repoURL: repo.url, path: `apps/sample-app/overlays/${env}`, targetRevision: 'main' },
        destination: { server: 'https://kubernetes.default.svc', namespace: `sample-app-${env}` },
        ...(automated ? { syncPolicy: { automated: { prune: true, selfHeal: true } } } : {}),
      },
    } as k8s.KubernetesObject);
  }

  // Each test has its own namespace, config repo, controller and Applications.
  beforeEach(async () => {
    namespace = uniqueName('argocd-wait');
    const cluster = await sharedControlPlane();
    const config = new k8s.KubeConfig();
    config.loadFromFile(cluster.kubeconfig);
    client = new ApplicationClient(config);
    objects = k8s.KubernetesObjectApi.makeApiClient(config);
    await config.makeApiClient(k8s.CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
    repo = createConfigRepo(['sample-app']);
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'argocd-wait-'));
    controller = startArgoTestController({
      kubeconfig: cluster.kubeconfig,
      namespace,
      degradedTags: ['1.5.0-broken'],
      stuckTags: ['1.5.0-slow'],
      failingTags: ['1.5.0-failed'],
      states: {
        Error: ['1.5.0-error'],
        Terminating: ['1.5.0-terminating'],
        SyncError: ['1.5.0-syncerror'],
        ComparisonError: ['1.5.0-comparison'],
        Missing: ['1.5.0-missing'],
        Suspended: ['1.5.0-suspended'],
      },
      tickMs: 200,
    });
    await application('sample-app-staging', 'staging', true);
    await application('sample-app-prod', 'prod', false);
  });
  afterEach(async () => {
    await controller?.stop();
    repo?.cleanup();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('waits until the pushed commit is synced and Healthy, after asking for a refresh', async () => {
    const { commitSha } = await promote(promotion('1.4.2'), () => {});
    const outcome = await waitForSync(client, { namespace, name: 'sample-app-staging', revision: commitSha, timeoutMs: 30000, pollMs: 200 }, (l) =>
      logs.push(l),
    );
    assert.equal(outcome.healthy, true, outcome.reason);
    assert.equal(outcome.app?.status?.sync?.revision, commitSha);
    assert.equal(outcome.app?.metadata?.annotations?.['argocd.argoproj.io/refresh'], undefined, 'the controller consumed the refresh request');
  });

  it('starts a sync when automated sync is off, setting .operation only once', async () => {
    const { commitSha } = await promote(promotion('1.4.2', 'prod'), () => {});
    const lines: string[] = [];
    const outcome = await waitForSync(client, { namespace, name: 'sample-app-prod', revision: commitSha, timeoutMs: 30000, pollMs: 200 }, (l) => lines.push(l));
    assert.equal(outcome.healthy, true, outcome.reason);
    assert.equal(lines.filter((l) => l.includes('started a sync')).length, 1);
    assert.equal(outcome.app?.status?.operationState?.syncResult?.revision, commitSha);
  });

  it('reports Degraded with the unhealthy resource, and a git revert brings the app back', async () => {
    const { commitSha } = await promote(promotion('1.5.0-broken'), () => {});
    const outcome = await waitForSync(client, { namespace, name: 'sample-app-staging', revision: commitSha, timeoutMs: 30000, pollMs: 200 }, () => {});
    assert.equal(outcome.healthy, false);
    assert.match(
      outcome.reason,
      new RegExp(
        `Application ${namespace}/sample-app-staging, wanted revision ${commitSha.slice(0, 12)}, synced ${commitSha.slice(0, 12)} \\(Synced\\), operation Succeeded .*health Degraded, unhealthy: Deployment sample-app-staging/sample-app-staging: Degraded \\(Deployment "sample-app-staging" exceeded its progress deadline\\)`,
      ),
    );

    const revert = await revertPromotion(
      {
        repoUrl: repo.url,
        branch: 'main',
        auth: {},
        commit: commitSha,
        paths: ['apps/sample-app/overlays/staging'],
        author: { name: 'GitOps Stack', email: 'g@example.com' },
        reason: 'Degraded',
        pushRetries: 3,
        workDir: path.join(work, 'revert'),
      },
      () => {},
    );
    assert.equal(revert.pushed, true);
    assert.match(repo.show('apps/sample-app/overlays/staging/kustomization.yaml'), /newTag: "1\.4\.1"/, 'back to the tag before the promotion');
    assert.match(repo.log('%B')[0], /^Revert "Promote sample-app to staging: acr\.azurecr\.io\/sample-app:1\.5\.0-broken"/);
    const recovered = await waitForSync(client, { namespace, name: 'sample-app-staging', revision: revert.sha, timeoutMs: 30000, pollMs: 200 }, () => {});
    assert.equal(recovered.healthy, true, recovered.reason);
  });

  it('gives up at the timeout and says where the app stands', async () => {
    const { commitSha } = await promote(promotion('1.5.0-slow'), () => {});
    const outcome = await waitForSync(client, { namespace, name: 'sample-app-staging', revision: commitSha, timeoutMs: 6000, pollMs: 200 }, () => {});
    assert.equal(outcome.healthy, false);
    assert.match(outcome.reason, /^timed out after 6 s: .*health Progressing/);
  });

  // Each failure state Argo CD knows, produced by the test controller on the real control plane.
  const states: [string, RegExp][] = [
    ['1.5.0-failed', /operation Failed \(one or more objects failed to apply.*: the sync ended Failed$/],
    ['1.5.0-error', /operation Error \(rpc error: code = Unavailable\).*: the sync ended Error$/],
    ['1.5.0-terminating', /operation Failed \(Operation terminated\).*: the sync ended Failed$/],
    ['1.5.0-syncerror', /: SyncError: Failed sync attempt: one or more synchronization tasks are not valid$/],
    ['1.5.0-comparison', /synced [0-9a-f]{12} \(Unknown\).*: ComparisonError: rpc error: Manifest generation error/],
    ['1.5.0-missing', /^timed out after 4 s: .*operation Succeeded.*health Missing/],
    ['1.5.0-suspended', /^timed out after 4 s: .*operation Succeeded.*health Suspended/],
  ];
  for (const [tag, reason] of states) {
    it(`a sync that ends ${tag.slice(6)} is a failed promotion, with the state in the reason`, async () => {
      const { commitSha } = await promote(promotion(tag), () => {});
      const outcome = await waitForSync(client, { namespace, name: 'sample-app-staging', revision: commitSha, timeoutMs: 4000, pollMs: 200 }, () => {});
      assert.equal(outcome.healthy, false);
      assert.match(outcome.reason, reason);
    });
  }

  it('names a missing Application', async () => {
    await assert.rejects(
      waitForSync(client, { namespace, name: 'nope', revision: 'abc', timeoutMs: 1000 }, () => {}),
      /Argo CD Application .*\/nope was not found/,
    );
  });
});
