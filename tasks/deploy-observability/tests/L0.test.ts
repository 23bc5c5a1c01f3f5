import * as assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { sharedControlPlane } from '../../../test/cluster/shared-control-plane';
import { createVolumes } from '../../../test/cluster/volumes';
import { runL0 } from '../../../test/harness/run-l0';
import { uniqueName } from '../../../test/harness/unique-name';

describe('DeployObservability L0 (the shipped bundle)', function () {
  this.timeout(120000);
  const key = 'c3RvcmFnZS1hY2NvdW50LWtleQSUPERSECRET/+==';
  const slack = 'https://hooks.slack.com/services/T0001/B0001/l0slacksecret';

  it('fails cleanly naming the first missing required input', async () => {
    const run = await runL0({ task: 'deploy-observability' });
    assert.equal(run.failed, true);
    assert.match(run.errorIssues[0], /^Input required: 'kubeconfig' \(Kubeconfig file\)\./);
  });

  it('asks for the storage account only with the Azure Blob backend', async () => {
    const run = await runL0({ task: 'deploy-observability', inputs: { kubeconfig: '/tmp/kubeconfig', storageBackend: 'azure-blob' } });
    assert.deepEqual(run.errorIssues[0].split('\n'), [
      "Input required: 'storageAccountName' (Storage account name).",
      "Input required: 'storageAccountKey' (Storage account key).",
    ]);
  });

  it('names every bad input and its rule at once, before touching any cluster', async () => {
    const run = await runL0({
      task: 'deploy-observability',
      inputs: {
        kubeconfig: '/nonexistent/kubeconfig',
        namespace: 'Observability_NS',
        storageBackend: 's3',
        volumeSize: '10GB',
        retentionDays: '0',
        components: 'loki,jaeger',
      },
    });
    const lines = run.errorIssues[0].split('\n');
    assert.equal(lines.length, 5, run.errorIssues[0]);
    assert.match(lines[0], /^Input 'namespace' \(Namespace\) 'Observability_NS' must be a Kubernetes namespace name/);
    assert.match(lines[1], /^Input 'components' .*must be a comma-separated list of loki, tempo, pyroscope, prometheus, alloy, grafana/);
    assert.match(lines[2], /^Input 'storageBackend' .*'s3' must be one of: filesystem, azure-blob/);
    assert.match(lines[3], /^Input 'volumeSize' .*'10GB' must be a size such as 512Mi, 10Gi or 1Ti/);
    assert.match(lines[4], /^Input 'retentionDays' .*must be a whole number of days from 1 to 3650/);
  });

  it('render prints the manifests without a cluster and without any secret value', async () => {
    const run = await runL0({
      task: 'deploy-observability',
      inputs: {
        action: 'render',
        storageBackend: 'azure-blob',
        storageAccountName: 'stgitopsobs',
        storageAccountKey: key,
        grafanaAdminPassword: 'Render-Pa55word',
        alertSlackWebhookUrl: slack,
      },
      secrets: [key, 'Render-Pa55word', slack],
    });
    assert.equal(run.succeeded, true, run.stdout);
    assert.match(run.stdout, /kind: StatefulSet\n/);
    assert.match(run.stdout, /storage_account_name: stgitopsobs/);
    assert.match(run.stdout, /azure-storage-key: <secret set at apply>/);
    assert.ok(run.stdout.includes(`##vso[task.setsecret]${key}`), 'registered the moment it is read');
  });

  it('applies to the cluster, sets its outputs, and never prints the generated password', async () => {
    const cluster = await sharedControlPlane();
    const namespace = uniqueName('obs-l0');
    const config = new k8s.KubeConfig();
    config.loadFromFile(cluster.kubeconfig);
    await createVolumes(config, namespace, 3);
    const run = await runL0({
      task: 'deploy-observability',
      inputs: {
        kubeconfig: cluster.kubeconfig,
        namespace,
        components: 'loki,alloy,grafana',
        storageClassName: namespace,
        alertSlackWebhookUrl: slack,
        waitTimeoutMinutes: '2',
      },
      secrets: [cluster.token, slack],
    });
    assert.equal(run.succeeded, true, run.stdout);
    assert.match(
      run.stdout,
      /##vso\[task\.setvariable variable=grafanaUrl;isOutput=true;issecret=false;\]http:\/\/grafana\.obs-l0-[a-z0-9-]+\.svc\.cluster\.local:3000\//,
    );
    assert.match(run.stdout, /##vso\[task\.setvariable variable=grafanaAdminPassword;isOutput=true;issecret=true;\]/);
    assert.match(run.stdout, /##vso\[task\.uploadsummary\]/);
    const secret = await config.makeApiClient(k8s.CoreV1Api).readNamespacedSecret({ name: 'observability-credentials', namespace });
    const password = Buffer.from(secret.data!['grafana-admin-password'], 'base64').toString();
    assert.ok(run.stdout.includes(`##vso[task.setsecret]${password}`), 'registered before use');
    // The agent masks these two commands' values; anywhere else would be a leak.
    const printed = run.stdout.split(`##vso[task.setsecret]${password}`).join('').split(`issecret=true;]${password}`).join('');
    for (const form of [password, secret.data!['grafana-admin-password'], encodeURIComponent(password)])
      assert.ok(!printed.includes(form), 'the generated password is never printed');
  });
});
