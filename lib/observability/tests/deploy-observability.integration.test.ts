import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { sharedControlPlane } from '../../../test/cluster/shared-control-plane';
import { uniqueName } from '../../../test/harness/unique-name';
import { createVolumes } from '../../../test/cluster/volumes';
import { ConsoleHost } from '../../pipeline/console-host';
import { objectsApi, serverSideApply } from '../../kube/server-side-apply';
import { waitForRollout } from '../../kube/wait-for-rollout';
import { UserError } from '../../user-error';
import { applyStack } from '../apply-stack';
import { deployObservability } from '../deploy-observability';
import { type DeployObservabilityInputs, stackOptions } from '../options';
import { renderStack } from '../render-stack';
import { baseInputs } from './render-stack.test';

describe('DeployObservability against the real control plane', function () {
  this.timeout(180000);
  let kubeconfig: string;
  let config: k8s.KubeConfig;
  let objects: k8s.KubernetesObjectApi;
  let namespace: string;
  let storageClass: string;
  const secrets = {
    grafanaAdminPassword: 'Dry-run-password-1',
    storageAccountKey: 'ZHJ5LXJ1bi1rZXk=',
    slackWebhookUrl: 'https://hooks.slack.com/services/T1/B1/dryrun',
  };

  const run = async (overrides: Partial<DeployObservabilityInputs> = {}) => {
    const out: string[] = [];
    const host = new ConsoleHost({ write: (l) => out.push(l), writeError: (l) => out.push(l) });
    const message = await deployObservability(
      host,
      baseInputs({
        action: 'apply',
        clusterAccess: 'kubeconfigFile',
        kubeconfig,
        namespace,
        storageClassName: storageClass,
        waitTimeoutMinutes: 1,
        ...overrides,
      }),
    );
    return { message, host, out: out.join('\n') };
  };

  // Each test has its own namespace and storage class (with volumes for one stack); a test that
  // needs a deployed stack deploys it first.
  beforeEach(async () => {
    namespace = uniqueName('obs');
    storageClass = namespace;
    const cluster = await sharedControlPlane();
    kubeconfig = cluster.kubeconfig;
    config = new k8s.KubeConfig();
    config.loadFromFile(kubeconfig);
    objects = objectsApi(config);
    await createVolumes(config, storageClass, 8);
  });

  it('every rendered object of every combination of options passes the API server (server-side dry run)', async () => {
    const dryRunNamespace = uniqueName('obs-dry');
    await config.makeApiClient(k8s.CoreV1Api).createNamespace({ body: { metadata: { name: dryRunNamespace } } });
    const COMPONENTS = ['loki', 'tempo', 'pyroscope', 'prometheus', 'alloy', 'grafana'];
    const subsets = Array.from({ length: 2 ** COMPONENTS.length - 1 }, (_, bits) => COMPONENTS.filter((_c, i) => (bits + 1) & (1 << i)).join(','));
    const storages = [
      { storageBackend: 'filesystem' },
      { storageBackend: 'azure-blob', storageAccountName: 'stgitopsobs', storageAccountKey: secrets.storageAccountKey },
    ] as const;
    const exposures = [
      { grafanaExposure: 'ClusterIP' },
      { grafanaExposure: 'LoadBalancer' },
      { grafanaExposure: 'Ingress', grafanaIngressHost: 'grafana.example.com', grafanaIngressClass: 'nginx' },
    ] as const;
    const agents = [{ otlpExposure: 'none' }, { otlpExposure: 'LoadBalancer' }, { otlpExposure: 'Ingress', otlpIngressHost: 'otlp.example.com' }] as const;
    const profiles = ['small', 'medium', 'large'] as const;
    const alerts = [
      {},
      {
        alertEmailRecipients: 'ops@example.com,prod:oncall@example.com',
        smtpHost: 'smtp.example.com',
        smtpFrom: 'grafana@example.com',
        alertSlackWebhookUrl: secrets.slackWebhookUrl,
      },
    ];
    // Every combination is rendered; identical objects (most of them) go to the API server once.
    const unique = new Map<string, ReturnType<typeof renderStack>[number]>();
    let combinations = 0;
    for (const components of subsets) {
      for (const [s, storage] of storages.entries()) {
        for (const [e, exposure] of exposures.entries()) {
          for (const agent of agents) {
            for (const profile of profiles) {
              let options;
              try {
                options = stackOptions(
                  baseInputs({
                    namespace: dryRunNamespace,
                    components,
                    ...storage,
                    ...exposure,
                    ...agent,
                    resourceProfile: profile,
                    ...alerts[(s + e) % 2],
                    storageClassName: 'managed-csi',
                  }),
                );
              } catch {
                continue; // refused before rendering (alloy alone, agents without alloy): tested in the render tests
              }
              combinations++;
              for (const object of renderStack(options, { ...secrets, otlpToken: 'dry-run-otlp-token-0123' })) unique.set(JSON.stringify(object), object);
            }
          }
        }
      }
    }
    assert.ok(combinations > 1000, `${combinations} combinations`);
    const results = await serverSideApply(objects, [...unique.values()], { dryRun: true, concurrency: 8 });
    assert.equal(results.length, unique.size);
    const left = await config
      .makeApiClient(k8s.CoreV1Api)
      .listNamespacedConfigMap({ namespace: dryRunNamespace, labelSelector: 'app.kubernetes.io/managed-by=gitops-stack' });
    assert.equal(left.items.length, 0, 'a dry run persists nothing');
  });

  it('first apply creates the stack and waits until every workload is ready; outputs URL, namespace and a registered password', async () => {
    const { message, host, out } = await run();
    assert.match(message, /^Observability stack in obs-[a-z0-9-]+ is ready: 24 of 24 objects changed, 0 pruned\.$/);
    assert.match(out, /StatefulSet loki: created/);
    assert.match(out, /StatefulSet grafana is ready|waiting for/);
    assert.equal(host.outputs.grafanaUrl, `http://grafana.${namespace}.svc.cluster.local:3000/`);
    assert.equal(host.outputs.otlpEndpoint, `http://alloy.${namespace}.svc.cluster.local:4318`);
    assert.equal(host.outputs.namespace, namespace);
    const password = host.outputs.grafanaAdminPassword;
    assert.ok(password.length >= 32);
    assert.ok(!out.includes(password), 'the password is masked');
    const apps = config.makeApiClient(k8s.AppsV1Api);
    const sets = await apps.listNamespacedStatefulSet({ namespace });
    assert.deepEqual(sets.items.map((s) => `${s.metadata!.name}:${s.status?.readyReplicas}`).sort(), [
      'grafana:1',
      'loki:1',
      'prometheus:1',
      'pyroscope:1',
      'tempo:1',
    ]);
    const secret = await config.makeApiClient(k8s.CoreV1Api).readNamespacedSecret({ name: 'observability-credentials', namespace });
    assert.equal(Buffer.from(secret.data!['grafana-admin-password'], 'base64').toString(), password);
  });

  it('a second apply with the same inputs changes nothing and keeps the generated password', async () => {
    await run();
    const before = await config.makeApiClient(k8s.CoreV1Api).readNamespacedSecret({ name: 'observability-credentials', namespace });
    const { message, host, out } = await run();
    assert.match(message, /ready: 0 of 24 objects changed, 0 pruned\.$/);
    assert.ok(!/: (created|updated)/.test(out), out);
    assert.equal(host.outputs.grafanaAdminPassword, Buffer.from(before.data!['grafana-admin-password'], 'base64').toString());
  });

  it('puts back what someone else edited on the cluster, and only that', async () => {
    await run();
    const core = config.makeApiClient(k8s.CoreV1Api);
    const original = await core.readNamespacedConfigMap({ name: 'loki-config', namespace });
    await core.replaceNamespacedConfigMap({
      name: 'loki-config',
      namespace,
      fieldManager: 'kubectl-edit',
      body: { ...original, data: { 'loki.yaml': 'auth_enabled: true\n' } },
    });
    const { message, out } = await run();
    assert.match(message, /ready: 1 of 24 objects changed, 0 pruned\.$/);
    assert.match(out, /ConfigMap loki-config: updated/);
    const restored = await core.readNamespacedConfigMap({ name: 'loki-config', namespace });
    assert.equal(restored.data!['loki.yaml'], original.data!['loki.yaml']);
  });

  it('a component left out is pruned; its volume claim is kept', async () => {
    await run();
    const { message, out } = await run({ components: 'loki,tempo,prometheus,alloy,grafana' });
    assert.match(message, /3 pruned\.$/);
    for (const pruned of ['StatefulSet', 'Service', 'ConfigMap']) assert.match(out, new RegExp(`${pruned} ${namespace}/pyroscope(-config)?: pruned`));
    assert.match(out, /ConfigMap alloy-config: updated/, 'Alloy stops forwarding profiles');
    const sets = await config.makeApiClient(k8s.AppsV1Api).listNamespacedStatefulSet({ namespace });
    assert.ok(!sets.items.some((s) => s.metadata!.name === 'pyroscope'));
    const claims = await config.makeApiClient(k8s.CoreV1Api).listNamespacedPersistentVolumeClaim({ namespace });
    assert.ok(
      claims.items.some((c) => c.metadata!.name === 'data-pyroscope-0'),
      'data kept',
    );
  });

  it('fails the wait naming the workload and the reason when a pod cannot be scheduled', async () => {
    const stuck = uniqueName('obs-stuck');
    const o = stackOptions(baseInputs({ namespace: stuck, components: 'loki', storageClassName: 'no-such-class' }));
    await applyStack(objects, renderStack(o, secrets), stuck, () => undefined);
    const started = Date.now();
    await assert.rejects(
      waitForRollout(config, stuck, 4000, () => undefined),
      (error: Error) => {
        assert.ok(error instanceof UserError);
        assert.match(
          error.message,
          /^Not ready after 4 s in namespace obs-stuck-[a-z0-9-]+: StatefulSet loki: pod loki-0 Pending, Unschedulable: .*persistentvolumeclaim/i,
        );
        return true;
      },
    );
    assert.ok(Date.now() - started < 15000);
  });

  it('delete removes every object it applied, cluster-scoped ones included, and keeps the namespace', async () => {
    await run();
    const { message } = await run({ action: 'delete' });
    assert.match(message, /^Deleted \d+ objects from namespace obs-[a-z0-9-]+; the namespace and its volumes are kept\.$/);
    const managed = await objects.list('v1', 'ConfigMap', namespace, undefined, undefined, undefined, undefined, 'app.kubernetes.io/managed-by=gitops-stack');
    assert.equal(managed.items.length, 0);
    const roles = await objects.list(
      'rbac.authorization.k8s.io/v1',
      'ClusterRole',
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      `gitops-stack.dev/namespace=${namespace}`,
    );
    assert.equal(roles.items.length, 0);
    await config.makeApiClient(k8s.CoreV1Api).readNamespace({ name: namespace });
  });

  it('names the input when the kubeconfig points at a cluster that does not answer, before applying anything', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'obs-')), 'kubeconfig');
    fs.writeFileSync(file, fs.readFileSync(kubeconfig, 'utf8').replace(/server: https:\/\/127\.0\.0\.1:\d+/, 'server: https://127.0.0.1:1'));
    await assert.rejects(
      run({ kubeconfig: file, namespace: uniqueName('obs-unreach') }),
      /^UserError: Input 'kubeconfig': the cluster at https:\/\/127\.0\.0\.1:1 cannot be reached/,
    );
  });
});
