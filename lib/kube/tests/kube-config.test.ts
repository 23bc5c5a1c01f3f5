import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ServiceEndpoint } from '../../pipeline/task-host';
import * as k8s from '@kubernetes/client-node';
import { UserError } from '../../user-error';
import { loadKubeConfig } from '../kube-config';

const KUBECONFIG = `apiVersion: v1
kind: Config
current-context: aks
clusters:
- name: aks
  cluster: {server: 'https://aks-gitops.hcp.eastus.azmk8s.io:443'}
users:
- name: admin
  user: {token: 'kube-token-abcdef123456', client-key-data: 'LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQo='}
contexts:
- name: aks
  context: {cluster: aks, user: admin}
`;

const endpoint = (parameters: Record<string, string>, url?: string): ServiceEndpoint => ({
  id: 'k8s',
  url,
  authorization: { scheme: 'Kubernetes', parameters },
  data: () => undefined,
});

describe('cluster access from a kubeconfig file or a Kubernetes service connection', () => {
  it('reads a kubeconfig file and registers its token and key, not the whole file', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kc-')), 'config');
    fs.writeFileSync(file, KUBECONFIG);
    const secrets: string[] = [];
    const config = loadKubeConfig({ kind: 'kubeconfigFile', path: file }, (s) => secrets.push(s));
    assert.equal(config.getCurrentCluster()?.server, 'https://aks-gitops.hcp.eastus.azmk8s.io:443');
    assert.deepEqual(secrets, ['kube-token-abcdef123456', 'LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQo=']);
  });

  it('takes a service connection of kubeconfig or service-account kind, and names a missing file', () => {
    const secrets: string[] = [];
    const fromKubeconfig = loadKubeConfig({ kind: 'serviceConnection', endpoint: endpoint({ kubeconfig: KUBECONFIG, clusterContext: 'aks' }) }, (s) =>
      secrets.push(s),
    );
    assert.equal(fromKubeconfig.getCurrentUser()?.token, 'kube-token-abcdef123456');
    const serviceAccount = loadKubeConfig(
      {
        kind: 'serviceConnection',
        endpoint: endpoint(
          {
            apitoken: Buffer.from('sa-token-987654').toString('base64'),
            serviceAccountCertificate: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
          },
          'https://10.0.0.1:443',
        ),
      },
      (s) => secrets.push(s),
    );
    assert.equal(serviceAccount.getCurrentUser()?.token, 'sa-token-987654');
    assert.equal(serviceAccount.getCurrentCluster()?.server, 'https://10.0.0.1:443');
    assert.ok(secrets.includes('sa-token-987654'));
    assert.throws(
      () => loadKubeConfig({ kind: 'kubeconfigFile', path: '/nope/config' }, () => {}),
      /^UserError: Input 'kubeconfig': '\/nope\/config' cannot be read \(no such file\)\./,
    );
  });

  it('refuses the legacy azure and gcp auth-providers, whose refresh client-node runs as a shell command line', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kc-'));
    const marker = path.join(dir, 'ran');
    for (const name of ['azure', 'gcp']) {
      const text = KUBECONFIG.replace(
        "  user: {token: 'kube-token-abcdef123456', client-key-data: 'LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQo='}",
        `  user:\n    auth-provider:\n      name: ${name}\n      config: {cmd-path: 'true', cmd-args: '; touch ${marker}', token-key: '{.t}', expiry-key: '{.e}'}`,
      );
      const file = path.join(dir, `config-${name}`);
      fs.writeFileSync(file, text);
      // What the hole is: client-node, handed this kubeconfig, runs the line through a shell on the first request.
      const raw = new k8s.KubeConfig();
      raw.loadFromString(text);
      await raw.applyToFetchOptions({}).catch(() => undefined);
      assert.equal(fs.existsSync(marker), true, `client-node ran the ${name} provider's command`);
      fs.rmSync(marker);
      assert.throws(
        () => loadKubeConfig({ kind: 'kubeconfigFile', path: file }, () => {}),
        (e: unknown) => e instanceof UserError && new RegExp(`user 'admin' uses the legacy '${name}' auth-provider`).test(e.message),
      );
      assert.throws(() => loadKubeConfig({ kind: 'serviceConnection', endpoint: endpoint({ kubeconfig: text }) }, () => {}), UserError);
      assert.equal(fs.existsSync(marker), false, 'loadKubeConfig refused before anything ran');
    }
  });

  it('reads a kubeconfig of at most 1 MiB, and never a device', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kc-')), 'config');
    fs.writeFileSync(file, KUBECONFIG + '#'.repeat(1024 * 1024));
    assert.throws(() => loadKubeConfig({ kind: 'kubeconfigFile', path: file }, () => {}), /^UserError: Input 'kubeconfig': '.*' is larger than 1 MiB/);
    assert.throws(
      () => loadKubeConfig({ kind: 'kubeconfigFile', path: '/dev/zero' }, () => {}),
      /^UserError: Input 'kubeconfig': '\/dev\/zero' is not a regular file/,
    );
  });
});
