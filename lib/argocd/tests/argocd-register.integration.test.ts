import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { startArgoTestController } from '../../../test/cluster/argocd-test-controller';
import { argoCdCrdFiles } from '../../../test/cluster/reference-data';
import { sharedControlPlane } from '../../../test/cluster/shared-control-plane';
import { createConfigRepo, type ConfigRepoFixture } from '../../../test/harness/config-repo-fixture';
import { uniqueName } from '../../../test/harness/unique-name';
import { ENVIRONMENTS } from './render-registration.test';
import { ConsoleHost } from '../../pipeline/console-host';
import { UserError } from '../../user-error';
import { argocdRegister, type ArgoCdRegisterInputs } from '../argocd-register';
import { installArgoCd } from '../install-argocd';

describe('ArgoCDRegister against the real control plane', function () {
  this.timeout(120000);
  let repo: ConfigRepoFixture;
  let kubeconfig: string;
  let objects: k8s.KubernetesObjectApi;
  let core: k8s.CoreV1Api;
  let controller: { stop(): Promise<void> };
  let namespace: string;
  let logs: string[];

  const inputs = (overrides: Partial<ArgoCdRegisterInputs> = {}): ArgoCdRegisterInputs => ({
    clusterAccess: 'kubeconfigFile',
    kubeconfig,
    argocdNamespace: namespace,
    installArgoCD: 'no',
    configRepoUrl: repo.url,
    configRepoBranch: 'main',
    configRepoAuth: 'token',
    configRepoUsername: 'git',
    configRepoToken: 'repo-token-0123456789',
    project: 'sample-app',
    appName: 'sample-app',
    environments: stringify(ENVIRONMENTS),
    pruneEnvironments: false,
    slackToken: 'xoxb-slack-bot-token-42',
    smtpHost: 'smtp.example.com',
    smtpPort: 587,
    smtpUsername: 'argocd@example.com',
    smtpPassword: 'smtp-Password-9',
    smtpFrom: 'argocd@example.com',
    notificationTriggers: 'on-deployed,on-sync-failed,on-health-degraded',
    syncAndWait: true,
    timeoutMinutes: 1,
    ...overrides,
  });
  const run = async (overrides: Partial<ArgoCdRegisterInputs> = {}) => {
    const out: string[] = [];
    const host = new ConsoleHost({ write: (l) => out.push(l), writeError: (l) => out.push(l) });
    const message = await argocdRegister(host, inputs(overrides));
    logs.push(...out);
    return { message, host, out };
  };
  const read = (kind: string, name: string, apiVersion = 'argoproj.io/v1alpha1') =>
    objects.read({ apiVersion, kind, metadata: { name, namespace } }) as Promise<any>;

  // Each test has its own Argo CD namespace, config repo and controller.
  beforeEach(async () => {
    namespace = uniqueName('argocd-reg');
    logs = [];
    const cluster = await sharedControlPlane();
    kubeconfig = cluster.kubeconfig;
    const config = new k8s.KubeConfig();
    config.loadFromFile(kubeconfig);
    objects = k8s.KubernetesObjectApi.makeApiClient(config);
    core = config.makeApiClient(k8s.CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    repo = createConfigRepo(['sample-app']);
    controller = startArgoTestController({ kubeconfig, namespace, tickMs: 200 });
  });
  afterEach(async () => {
    await controller?.stop();
    repo?.cleanup();
  });

  it('creates the repository Secret, AppProject, notifications and one Application per environment, then waits until they are Healthy', async () => {
    const { message, host } = await run();
    assert.match(message, /^Registered sample-app-dev, sample-app-prod with Argo CD \(6 objects changed, 0 unchanged\)\.$/);
    assert.equal(host.outputs.applications, 'sample-app-dev,sample-app-prod');

    const secrets = await core.listNamespacedSecret({ namespace, labelSelector: 'argocd.argoproj.io/secret-type=repository' });
    assert.equal(secrets.items.length, 1);
    assert.equal(Buffer.from(secrets.items[0].data!.url, 'base64').toString(), repo.url);
    const project = await read('AppProject', 'sample-app');
    assert.deepEqual(project.spec.sourceRepos, [repo.url]);
    assert.deepEqual(
      project.spec.destinations.map((d: { namespace: string }) => d.namespace),
      ['sample-app-dev', 'sample-app-prod'],
    );
    const prod = await read('Application', 'sample-app-prod');
    assert.equal(prod.spec.syncPolicy.automated, undefined, 'prod syncs manually');
    assert.deepEqual(prod.spec.syncPolicy.syncOptions, ['CreateNamespace=true', 'ServerSideApply=true']);
    assert.deepEqual(prod.metadata.finalizers, ['resources-finalizer.argocd.argoproj.io']);
    assert.equal(prod.metadata.annotations['notifications.argoproj.io/subscribe.on-sync-failed.slack'], 'prod-deployments');
    assert.equal(prod.metadata.annotations['notifications.argoproj.io/subscribe.on-deployed.email'], 'oncall@example.com;release@example.com');
    assert.equal(prod.status.health.status, 'Healthy', 'a sync was started for the manual app and it became Healthy');
    assert.equal(prod.status.sync.revision, repo.log('%H')[0]);
    const cm = await read('ConfigMap', 'argocd-notifications-cm', 'v1');
    assert.match(cm.data['service.slack'], /token: \$slack-token/);
    assert.match(cm.data['trigger.on-deployed'], /oncePer: app\.status\.operationState\?\.syncResult\?\.revision/);
    const notifications = await read('Secret', 'argocd-notifications-secret', 'v1');
    assert.equal(Buffer.from(notifications.data['slack-token'], 'base64').toString(), 'xoxb-slack-bot-token-42');
    assert.ok(!logs.join('\n').includes('xoxb-slack-bot-token-42') && !logs.join('\n').includes('repo-token-0123456789'));
  });

  it('changes nothing on a second run, and keeps notification keys someone else added', async () => {
    await run({ syncAndWait: false });
    await objects.patch(
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'argocd-notifications-secret', namespace },
        data: { 'webhook-token': Buffer.from('theirs').toString('base64') },
      } as k8s.KubernetesObject,
      undefined,
      undefined,
      'someone-else',
      true,
      k8s.PatchStrategy.ServerSideApply,
    );
    const before = (await read('Secret', 'argocd-notifications-secret', 'v1')).metadata.resourceVersion;
    const { message } = await run({ syncAndWait: false });
    assert.match(message, /\(0 objects changed, 6 unchanged\)/);
    const after = await read('Secret', 'argocd-notifications-secret', 'v1');
    assert.equal(after.metadata.resourceVersion, before);
    assert.equal(Buffer.from(after.data['webhook-token'], 'base64').toString(), 'theirs');
  });

  it('warns about an environment no longer listed, and deletes its Application only with pruneEnvironments', async () => {
    await run({ syncAndWait: false });
    const devOnly = stringify([ENVIRONMENTS[0]]);
    const { out } = await run({ environments: devOnly, syncAndWait: false });
    assert.ok(
      out.some((l) => l.includes("warning: Application sample-app-prod belongs to an environment no longer listed; set 'pruneEnvironments' to delete it.")),
    );
    await run({ environments: devOnly, syncAndWait: false, pruneEnvironments: true });
    const prod = await read('Application', 'sample-app-prod').catch(() => undefined);
    assert.ok(!prod || prod.metadata.deletionTimestamp, 'deleted (or waiting on its resources finalizer)');
  });

  it('refuses bad input before applying anything', async () => {
    const fresh = uniqueName('argocd-bad');
    const attempt = (overrides: Partial<ArgoCdRegisterInputs>) =>
      run({ argocdNamespace: fresh, ...overrides }).then(
        () => assert.fail('expected a refusal'),
        (e: Error) => e,
      );
    const duplicate = await attempt({ environments: stringify([ENVIRONMENTS[0], ENVIRONMENTS[0]]) });
    assert.ok(duplicate instanceof UserError && /environment 'dev' is listed twice/.test(duplicate.message));
    assert.match((await attempt({ slackToken: undefined })).message, /Environments dev, prod name a Slack channel, but 'slackToken' is empty\./);
    assert.match(
      (await attempt({ environments: stringify([{ ...ENVIRONMENTS[0], path: '../../etc' }]) })).message,
      /path '\.\.\/\.\.\/etc' leads outside the repository/,
    );
    assert.match((await attempt({ environments: stringify([{ ...ENVIRONMENTS[0], name: 'Dev_1' }]) })).message, /name 'Dev_1' must be a DNS label/);
    const list = await objects.list('argoproj.io/v1alpha1', 'Application', fresh);
    assert.equal(list.items.length, 0);
  });

  it('fails clearly when an environment does not become Healthy, naming the app, revision and health', async () => {
    const degradedNs = uniqueName('argocd-deg');
    await core.createNamespace({ body: { metadata: { name: degradedNs } } });
    const degrading = startArgoTestController({ kubeconfig, namespace: degradedNs, degradedTags: ['1.4.2'], tickMs: 200 });
    try {
      const error = await run({ argocdNamespace: degradedNs, environments: stringify([ENVIRONMENTS[0]]) }).then(
        () => undefined,
        (e: Error) => e,
      );
      assert.ok(error instanceof UserError);
      assert.match(
        error.message,
        new RegExp(
          `^Not every environment became Synced and Healthy: Argo CD Application ${degradedNs}/sample-app-dev, wanted revision ${repo.log('%H')[0].slice(0, 12)}, .*health Degraded, unhealthy: Deployment`,
        ),
      );
    } finally {
      await degrading.stop();
    }
  });

  it('installs Argo CD from a local manifest (air-gapped), waits for its rollout and reports its URL', async () => {
    const installNs = uniqueName('argocd-install');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'install-')), 'install.yaml');
    fs.writeFileSync(
      file,
      [
        ...argoCdCrdFiles().map((f) => fs.readFileSync(f, 'utf8')),
        fs.readFileSync(path.resolve(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'argocd-install-mini.yaml'), 'utf8'),
      ].join('\n---\n'),
    );
    const { host } = await run({ argocdNamespace: installNs, installArgoCD: 'yes', installManifest: file, syncAndWait: false });
    assert.equal(host.outputs.argocdUrl, 'https://argocd.example.com');
    const binding = (await objects.read({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'argocd-application-controller-test' },
    })) as k8s.V1ClusterRoleBinding;
    assert.equal(binding.subjects?.[0].namespace, installNs);
    const sts = (await objects.read({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'argocd-application-controller', namespace: installNs },
    })) as k8s.V1StatefulSet;
    assert.equal(sts.status?.readyReplicas, 1);
    // A rerun installs first: the notification settings the registration wrote must survive that step.
    await installArgoCd(objects, installNs, fs.readFileSync(file, 'utf8'));
    const cm = (await objects.read({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'argocd-notifications-cm', namespace: installNs },
    })) as k8s.V1ConfigMap;
    assert.ok(cm.data?.['service.slack'] && cm.data['trigger.on-deployed'], `notification settings kept: ${Object.keys(cm.data ?? {})}`);
    const secret = (await objects.read({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'argocd-notifications-secret', namespace: installNs },
    })) as k8s.V1Secret;
    assert.ok(secret.data?.['slack-token'], 'the Slack token kept');
  });
});
