import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { createTestCa } from '../harness/test-ca';
import { argoCdCrdFiles } from './reference-data';
import { requireFullTier } from '../harness/test-tier';

/**
 * A real Kubernetes control plane on loopback: etcd, kube-apiserver,
 * kube-controller-manager, kube-scheduler and kwok (simulated nodes whose pods
 * become Running and Ready), built from Go modules by test/cluster/build.
 */
export interface ControlPlane {
  kubeconfig: string;
  server: string;
  token: string;
  /** The CA that signed the API server's certificate (PEM file). */
  caFile: string;
  dir: string;
  pids: number[];
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Simulated nodes to create (default 2). */
  nodes?: number;
  /** Install Argo CD's CRDs (default true). */
  argoCdCrds?: boolean;
  log?: (line: string) => void;
}

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const BINARIES = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok'];

/** The folder of ready binaries: KUBEBUILDER_ASSETS, or test/cluster/build (which builds what is missing). */
export function clusterBinaries(): string {
  const dir =
    process.env.KUBEBUILDER_ASSETS ||
    execFileSync('bash', [path.join(REPO_ROOT, 'test', 'cluster', 'build')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  for (const binary of BINARIES) {
    if (!fs.existsSync(path.join(dir, binary))) throw new Error(`control plane: ${binary} is missing from ${dir}`);
  }
  if (!fs.existsSync(path.join(dir, 'kwok-stages.yaml'))) throw new Error(`control plane: kwok-stages.yaml is missing from ${dir}`);
  return dir;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** One API request trusting the cluster's own CA (fetch cannot be given a CA). */
function request(url: string, ca: Buffer, token: string, init: { method?: string; body?: string }): Promise<{ ok: boolean; status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      { method: init.method ?? 'GET', ca, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ ok: (res.statusCode ?? 0) < 300, status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>, exited: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dead = exited();
    if (dead) throw new Error(`control plane: ${dead} exited while waiting for ${what}`);
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`control plane: ${what} not ready after ${timeoutMs / 1000}s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export async function startControlPlane(options: StartOptions = {}): Promise<ControlPlane> {
  requireFullTier('The control plane');
  const log = options.log ?? (() => {});
  const bin = clusterBinaries();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-cluster-'));
  const file = (name: string) => path.join(dir, name);
  const children: { name: string; child: ChildProcess; exit?: string }[] = [];
  const stopAll = async () => {
    for (const entry of [...children].reverse()) {
      if (entry.exit !== undefined) continue;
      const exited = new Promise((resolve) => entry.child.once('exit', resolve));
      entry.child.kill('SIGTERM');
      const killed = await Promise.race([exited.then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), 5000))]);
      if (!killed) {
        entry.child.kill('SIGKILL');
        await exited;
      }
    }
  };
  const onExit = () => children.forEach((e) => e.exit === undefined && e.child.kill('SIGKILL'));
  process.once('exit', onExit);

  const run = (name: string, args: string[]) => {
    const out = fs.openSync(file(`${name}.log`), 'a');
    const child = spawn(path.join(bin, name), args, { stdio: ['ignore', out, out], cwd: dir });
    fs.closeSync(out);
    const entry: { name: string; child: ChildProcess; exit?: string } = { name, child };
    child.once('exit', (code, signal) => {
      entry.exit = `${code ?? signal}`;
    });
    children.push(entry);
    return entry;
  };
  const exited = () => {
    const dead = children.find((e) => e.exit !== undefined);
    return dead ? `${dead.name} (exit ${dead.exit}; see ${file(`${dead.name}.log`)})` : undefined;
  };

  try {
    const started = Date.now();
    const ca = createTestCa(path.join(dir, 'pki'));
    execFileSync('openssl', ['genrsa', '-out', file('sa.key'), '2048'], { stdio: 'ignore' });
    execFileSync('openssl', ['rsa', '-in', file('sa.key'), '-pubout', '-out', file('sa.pub')], { stdio: 'ignore' });
    const token = `admin-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
    fs.writeFileSync(file('tokens.csv'), `${token},admin,admin,system:masters\n`);

    const [etcdPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    run('etcd', [
      '--data-dir',
      file('etcd'),
      '--name',
      'default',
      '--listen-client-urls',
      etcdUrl,
      '--advertise-client-urls',
      etcdUrl,
      '--listen-peer-urls',
      `http://127.0.0.1:${peerPort}`,
      '--initial-advertise-peer-urls',
      `http://127.0.0.1:${peerPort}`,
      '--initial-cluster',
      `default=http://127.0.0.1:${peerPort}`,
      '--unsafe-no-fsync',
      '--quota-backend-bytes',
      String(2 * 1024 ** 3),
    ]);
    await waitFor('etcd', 30000, async () => (await fetch(`${etcdUrl}/health`)).ok, exited);

    const server = `https://127.0.0.1:${apiPort}`;
    run('kube-apiserver', [
      '--etcd-servers',
      etcdUrl,
      '--bind-address',
      '127.0.0.1',
      '--advertise-address',
      '127.0.0.1',
      '--secure-port',
      String(apiPort),
      '--tls-cert-file',
      ca.certFile,
      '--tls-private-key-file',
      ca.keyFile,
      '--token-auth-file',
      file('tokens.csv'),
      '--authorization-mode',
      'RBAC',
      '--service-account-issuer',
      'https://kubernetes.default.svc.cluster.local',
      '--service-account-key-file',
      file('sa.pub'),
      '--service-account-signing-key-file',
      file('sa.key'),
      '--service-cluster-ip-range',
      '10.96.0.0/16',
      '--allow-privileged=true',
      '--endpoint-reconciler-type',
      'none',
      '--cert-dir',
      file('apiserver-certs'),
    ]);
    const kubeconfig = file('kubeconfig');
    fs.writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'current-context: gitops-test',
        'clusters:',
        '- name: gitops-test',
        '  cluster:',
        `    server: ${server}`,
        `    certificate-authority-data: ${fs.readFileSync(ca.caFile).toString('base64')}`,
        'users:',
        '- name: admin',
        '  user:',
        `    token: ${token}`,
        'contexts:',
        '- name: gitops-test',
        '  context:',
        '    cluster: gitops-test',
        '    user: admin',
        '',
      ].join('\n'),
    );
    const caPem = fs.readFileSync(ca.caFile);
    const api = (p: string, init: { method?: string; body?: string } = {}) => request(`${server}${p}`, caPem, token, init);
    await waitFor('kube-apiserver /readyz', 60000, async () => (await api('/readyz')).ok, exited);

    run('kube-controller-manager', [
      '--kubeconfig',
      kubeconfig,
      '--leader-elect=false',
      '--secure-port',
      '0',
      '--service-account-private-key-file',
      file('sa.key'),
      '--root-ca-file',
      ca.caFile,
      '--controllers',
      '*,-nodeipam,-cloud-node-lifecycle,-service-lb-controller,-route',
    ]);
    run('kube-scheduler', ['--kubeconfig', kubeconfig, '--leader-elect=false', '--secure-port', '0']);
    run('kwok', [
      '--kubeconfig',
      kubeconfig,
      '--manage-all-nodes=false',
      '--manage-nodes-with-annotation-selector',
      'kwok.x-k8s.io/node=fake',
      '--cidr',
      '10.244.0.0/16',
      '--node-ip',
      '10.0.0.1',
      '--config',
      path.join(bin, 'kwok-stages.yaml'),
    ]);

    for (let i = 0; i < (options.nodes ?? 2); i++) {
      const node = {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: {
          name: `kwok-node-${i}`,
          annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
          labels: { type: 'kwok', 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'kubernetes.io/hostname': `kwok-node-${i}` },
        },
        status: { allocatable: { cpu: '32', memory: '256Gi', pods: '250' }, capacity: { cpu: '32', memory: '256Gi', pods: '250' } },
      };
      const response = await api('/api/v1/nodes', { method: 'POST', body: JSON.stringify(node) });
      if (!response.ok) throw new Error(`control plane: creating node ${i}: HTTP ${response.status} ${response.text}`);
    }
    await waitFor(
      'kwok nodes Ready and untainted',
      60000,
      async () => {
        const list = JSON.parse((await api('/api/v1/nodes')).text) as {
          items: { spec?: { taints?: unknown[] }; status?: { conditions?: { type: string; status: string }[] } }[];
        };
        return (
          list.items.length === (options.nodes ?? 2) &&
          list.items.every((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') && !(n.spec?.taints ?? []).length)
        );
      },
      exited,
    );
    await waitFor('default service account', 60000, async () => (await api('/api/v1/namespaces/default/serviceaccounts/default')).ok, exited);

    if (options.argoCdCrds ?? true) {
      execFileSync('kubectl', ['--kubeconfig', kubeconfig, 'apply', '--server-side', ...argoCdCrdFiles().flatMap((f) => ['-f', f])], { stdio: 'pipe' });
      for (const crd of ['applications', 'appprojects', 'applicationsets']) {
        await waitFor(
          `CRD ${crd}.argoproj.io Established`,
          30000,
          async () => {
            const status = JSON.parse((await api(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd}.argoproj.io`)).text).status;
            return (status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Established' && c.status === 'True');
          },
          exited,
        );
      }
    }
    log(`control plane ready in ${((Date.now() - started) / 1000).toFixed(1)}s at ${server} (kubeconfig ${kubeconfig})`);

    return {
      kubeconfig,
      server,
      token,
      caFile: ca.caFile,
      dir,
      pids: children.map((e) => e.child.pid!),
      async stop() {
        await stopAll();
        process.removeListener('exit', onExit);
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await stopAll();
    process.removeListener('exit', onExit);
    throw error;
  }
}
