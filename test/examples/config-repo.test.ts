import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { objectsApi, serverSideApply } from '../../lib/kube/server-side-apply';
import { waitForRollout } from '../../lib/kube/wait-for-rollout';
import { sharedControlPlane } from '../cluster/shared-control-plane';
import { REPO_ROOT } from '../harness/run-l0';

type Any = any;
const OVERLAYS = path.join(REPO_ROOT, 'examples', 'config-repo', 'apps', 'sample-app', 'overlays');
const build = (env: string) =>
  parseAllDocuments(execFileSync('kubectl', ['kustomize', path.join(OVERLAYS, env)], { encoding: 'utf8' })).map((d) => d.toJS() as Any);

describe('example config repo: Kustomize overlays on the real control plane', function () {
  this.timeout(120000);

  it('each overlay builds with kubectl kustomize into its namespace, image tag, replicas, environment and OTEL_* settings', () => {
    const expected: Record<string, [string, number, string]> = { dev: ['1.4.2', 1, '128Mi'], staging: ['1.4.1', 2, '256Mi'], prod: ['1.4.0', 3, '512Mi'] };
    for (const [env, [tag, replicas, memory]] of Object.entries(expected)) {
      const objects = build(env);
      assert.deepEqual(objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`).sort(), [
        `Deployment/sample-app-${env}/sample-app`,
        `Service/sample-app-${env}/sample-app`,
      ]);
      const deployment = objects.find((o) => o.kind === 'Deployment');
      const container = deployment.spec.template.spec.containers[0];
      assert.equal(container.image, `acrgitopsstack.azurecr.io/sample-app:${tag}`);
      assert.equal(deployment.spec.replicas, replicas);
      assert.equal(container.resources.requests.memory, memory);
      const vars = Object.fromEntries(container.env.map((e: Any) => [e.name, e.value]));
      assert.equal(container.env[0].name, 'DEPLOYMENT_ENVIRONMENT', 'defined before the variables that refer to it');
      assert.equal(vars.DEPLOYMENT_ENVIRONMENT, env);
      assert.equal(vars.OTEL_EXPORTER_OTLP_ENDPOINT, 'http://alloy.observability.svc.cluster.local:4318');
      assert.match(vars.OTEL_RESOURCE_ATTRIBUTES, /deployment\.environment\.name=\$\(DEPLOYMENT_ENVIRONMENT\)/);
      assert.equal(deployment.spec.template.metadata.labels['app.kubernetes.io/environment'], env);
      assert.equal(deployment.spec.selector.matchLabels['app.kubernetes.io/name'], 'sample-app');
      assert.ok(container.readinessProbe.httpGet && container.livenessProbe.httpGet);
    }
  });

  it('every overlay passes the API server and its Deployment becomes available', async () => {
    const cluster = await sharedControlPlane();
    const config = new k8s.KubeConfig();
    config.loadFromFile(cluster.kubeconfig);
    const objects = objectsApi(config);
    const core = config.makeApiClient(k8s.CoreV1Api);
    const suffix = Date.now().toString(36);
    for (const env of ['dev', 'staging', 'prod']) {
      // The overlay's own namespace, made unique per test run.
      const namespace = `sample-app-${env}-${suffix}`;
      await core.createNamespace({ body: { metadata: { name: namespace } } });
      const manifests = build(env).map((o) => ({ ...o, metadata: { ...o.metadata, namespace } }));
      await serverSideApply(objects, manifests, { dryRun: true });
      await serverSideApply(objects, manifests);
      await waitForRollout(config, namespace, 60000, () => undefined);
      const deployment = await config.makeApiClient(k8s.AppsV1Api).readNamespacedDeployment({ name: 'sample-app', namespace });
      assert.equal(deployment.status?.availableReplicas, deployment.spec?.replicas, env);
    }
  });
});
