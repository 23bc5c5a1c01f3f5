import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as k8s from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from '../cluster/control-plane';
import { uniqueName } from '../harness/unique-name';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function eventually<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('test control plane (etcd, kube-apiserver, controller-manager, scheduler, kwok)', function () {
  this.timeout(180000);
  let cluster: ControlPlane;
  let objects: k8s.KubernetesObjectApi;
  let apps: k8s.AppsV1Api;
  let core: k8s.CoreV1Api;
  let namespace: string;

  before(async () => {
    cluster = await startControlPlane();
    const config = new k8s.KubeConfig();
    config.loadFromFile(cluster.kubeconfig);
    objects = k8s.KubernetesObjectApi.makeApiClient(config);
    apps = config.makeApiClient(k8s.AppsV1Api);
    core = config.makeApiClient(k8s.CoreV1Api);
  });
  // The cluster is this suite's (it tests the helper that starts it); each test has its own namespace.
  beforeEach(async () => {
    namespace = uniqueName('smoke');
    await core.createNamespace({ body: { metadata: { name: namespace } } });
  });

  after(async () => {
    if (!cluster) return;
    const pids = cluster.pids;
    await cluster.stop();
    assert.deepEqual(pids.filter(alive), [], 'every process the helper started has exited');
  });

  it('kubectl lists the simulated nodes with the written kubeconfig', () => {
    const out = execFileSync('kubectl', ['--kubeconfig', cluster.kubeconfig, 'get', 'nodes', '-o', 'name'], { encoding: 'utf8' });
    assert.deepEqual(out.trim().split('\n').sort(), ['node/kwok-node-0', 'node/kwok-node-1']);
  });

  it('runs a Deployment: pods are scheduled onto kwok nodes, become Ready, and the rollout completes', async () => {
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: 'web' } },
          template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'registry.example/web:1.0.0' }] } },
        },
      },
    });
    const deployment = await eventually('Deployment available', 60000, async () => {
      const d = await apps.readNamespacedDeployment({ name: 'web', namespace });
      return d.status?.availableReplicas === 3 && d.status.observedGeneration === d.metadata?.generation ? d : undefined;
    });
    assert.ok(deployment.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True'));
    const pods = await core.listNamespacedPod({ namespace, labelSelector: 'app=web' });
    assert.equal(pods.items.length, 3);
    for (const pod of pods.items) {
      assert.match(pod.spec?.nodeName ?? '', /^kwok-node-[01]$/);
      assert.equal(pod.status?.phase, 'Running');
      assert.ok(pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    }
  });

  it('accepts an Argo CD Application by server-side apply and records the field manager', async () => {
    const application: k8s.KubernetesObject & { spec: unknown } = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'sample-app-dev', namespace },
      spec: {
        project: 'default',
        source: { repoURL: 'https://dev.azure.com/contoso/gitops/_git/config-repo', path: 'apps/sample-app/overlays/dev', targetRevision: 'main' },
        destination: { server: 'https://kubernetes.default.svc', namespace: 'sample-app-dev' },
        syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true', 'ServerSideApply=true'] },
      },
    };
    const applied = await objects.patch(application, undefined, undefined, 'gitops-stack', true, k8s.PatchStrategy.ServerSideApply);
    assert.equal(applied.metadata?.managedFields?.[0]?.manager, 'gitops-stack');
    const again = await objects.patch(application, undefined, undefined, 'gitops-stack', true, k8s.PatchStrategy.ServerSideApply);
    assert.equal(again.metadata?.resourceVersion, applied.metadata?.resourceVersion, 'a second identical apply changes nothing');
  });

  it('rejects a malformed Application through the CRD schema', async () => {
    const malformed = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'broken', namespace },
      spec: { project: 'default', source: { repoURL: 'https://dev.azure.com/contoso/gitops/_git/config-repo' } },
    } as unknown as k8s.KubernetesObject;
    await assert.rejects(
      objects.patch(malformed, undefined, undefined, 'gitops-stack', true, k8s.PatchStrategy.ServerSideApply),
      (error: Error & { code?: number; body?: string }) => {
        assert.equal(error.code, 422);
        assert.match(String(error.body ?? error.message), /spec\.destination: Required value/);
        return true;
      },
    );
  });
});
