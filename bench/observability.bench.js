// observability_apply_vs_kubectl_ratio: DeployObservability's apply of the full rendered stack to the
// real control plane, over `kubectl apply --server-side` of the same YAML, each into a fresh namespace.
// kubectl is a new process each time (start-up, discovery), so also:
// observability_apply_vs_sequential_ratio: the same apply over the same objects applied by client-node
// in this process, one server-side apply after another (no dry run, no phases, no wait).
// observability_reapply_ratio: a no-change re-apply over the first apply.
'use strict';
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const out = (...p) => JSON.stringify(path.join(root, 'out', ...p));

exports.measure = function measure() {
  const bin = execFileSync('bash', [path.join(root, 'test', 'cluster', 'build')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const script = `
    const { execFileSync } = require('node:child_process');
    const fs = require('node:fs');
    const os = require('node:os');
    const path = require('node:path');
    const k8s = require('@kubernetes/client-node');
    const { startControlPlane } = require(${out('test', 'cluster', 'control-plane.js')});
    const { stackOptions } = require(${out('lib', 'observability', 'options.js')});
    const { renderStack, toYaml } = require(${out('lib', 'observability', 'render-stack.js')});
    const { applyStack } = require(${out('lib', 'observability', 'apply-stack.js')});
    const { objectsApi } = require(${out('lib', 'kube', 'server-side-apply.js')});
    const inputs = (namespace) => ({ action: 'apply', namespace, components: 'loki,tempo,pyroscope,prometheus,alloy,grafana', resourceProfile: 'small', storageBackend: 'filesystem', volumeSize: '10Gi', retentionDays: 14, grafanaExposure: 'ClusterIP', environments: 'dev,staging,prod', waitTimeoutMinutes: 15 });
    const secrets = { grafanaAdminPassword: 'bench-password-0123456789' };
    const ms = (t) => Number(process.hrtime.bigint() - t) / 1e6;
    const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
    startControlPlane().then(async (cluster) => {
      const config = new k8s.KubeConfig();
      config.loadFromFile(cluster.kubeconfig);
      const objects = objectsApi(config);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-obs-'));
      const first = [], again = [], kubectl = [], sequential = [];
      const core = config.makeApiClient(k8s.CoreV1Api);
      const applySequentially = async (rendered) => {
        for (const object of rendered) await objects.patch(object, undefined, undefined, 'bench-sequential', true, k8s.PatchStrategy.ServerSideApply);
      };
      const kubectlApply = (file) => execFileSync('kubectl', ['--kubeconfig', cluster.kubeconfig, 'apply', '--server-side', '--field-manager', 'kubectl-bench', '-f', file], { stdio: 'ignore' });
      // Warm both clients once (kubectl's discovery cache, our TLS and module loading) outside the timings.
      await applyStack(objects, renderStack(stackOptions(inputs('bench-warm-ours')), secrets), 'bench-warm-ours', () => {});
      fs.writeFileSync(path.join(dir, 'warm.yaml'), toYaml(renderStack(stackOptions(inputs('bench-warm-kubectl')), secrets)));
      kubectlApply(path.join(dir, 'warm.yaml'));
      for (let i = 0; i < 5; i++) {
        const ours = 'bench-ours-' + i, theirs = 'bench-kubectl-' + i;
        const rendered = renderStack(stackOptions(inputs(ours)), secrets);
        let t = process.hrtime.bigint();
        await applyStack(objects, rendered, ours, () => {});
        first.push(ms(t));
        t = process.hrtime.bigint();
        await applyStack(objects, renderStack(stackOptions(inputs(ours)), secrets), ours, () => {});
        again.push(ms(t));
        const file = path.join(dir, theirs + '.yaml');
        fs.writeFileSync(file, toYaml(renderStack(stackOptions(inputs(theirs)), secrets)));
        t = process.hrtime.bigint();
        kubectlApply(file);
        kubectl.push(ms(t));
        const seq = 'bench-seq-' + i;
        const objectsOfSeq = renderStack(stackOptions(inputs(seq)), secrets);
        await core.createNamespace({ body: { metadata: { name: seq } } });
        t = process.hrtime.bigint();
        await applySequentially(objectsOfSeq.filter((o) => o.kind !== 'Namespace'));
        sequential.push(ms(t));
      }
      await cluster.stop();
      console.log(JSON.stringify({ first: median(first), again: median(again), kubectl: median(kubectl), sequential: median(sequential) }));
    });`;
  const r = JSON.parse(
    execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8', env: { ...process.env, KUBEBUILDER_ASSETS: bin } })
      .trim()
      .split('\n')
      .pop(),
  );
  return {
    observability_apply_vs_kubectl_ratio: { value: Number((r.first / r.kubectl).toFixed(2)), unit: 'ratio', better: 'lower', goal: 1.0 },
    observability_apply_vs_sequential_ratio: { value: Number((r.first / r.sequential).toFixed(2)), unit: 'ratio', better: 'lower', goal: 1.0 },
    observability_reapply_ratio: { value: Number((r.again / r.first).toFixed(2)), unit: 'ratio', better: 'lower', goal: 0.5 },
    ...(process.env.BENCH_VERBOSE ? { observability_raw_ms: { value: r, unit: 'ms' } } : {}),
  };
};
