import * as assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { startSampleApp } from '../../../test/examples/sample-app-process';
import { interpolated, renderedQueries } from '../../../test/harness/grafana-queries';
import { requireFullTier } from '../../../test/harness/test-tier';
import { prometheusConfig } from '../components/prometheus';

const run = promisify(execFile);

function prometheusBin(): string {
  requireFullTier('Prometheus');
  const bin = process.env.PROMETHEUS_BIN;
  if (!bin) throw new Error('PROMETHEUS_BIN is not set: run the tests through npm test');
  return bin;
}

/** Every PromQL query of the rendered Grafana, as Grafana sends it with "All" chosen for each variable. */
function promqlQueries(): { where: string; query: string }[] {
  return renderedQueries()
    .filter((q) => q.datasource === 'prometheus')
    .map(({ where, query }) => ({ where, query: interpolated(query, { variable: '.*', interval: '1m' }) }));
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });

describe('the rendered Prometheus config and every PromQL query, against the real Prometheus', function () {
  this.timeout(240_000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prometheus-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('promtool accepts the config, and every dashboard and alert query as a rule', async () => {
    const promtool = path.join(prometheusBin(), 'promtool');
    fs.writeFileSync(path.join(dir, 'prometheus.yml'), stringify(prometheusConfig()));
    const config = await run(promtool, ['check', 'config', path.join(dir, 'prometheus.yml')]);
    assert.match(config.stdout + config.stderr, /SUCCESS/);
    const queries = promqlQueries();
    assert.ok(queries.length >= 10, `${queries.length} queries`);
    const rules = { groups: [{ name: 'rendered', rules: queries.map((q, i) => ({ record: `rendered:query_${i}`, expr: q.query })) }] };
    fs.writeFileSync(path.join(dir, 'rules.yml'), stringify(rules));
    const checked = await run(promtool, ['check', 'rules', path.join(dir, 'rules.yml')]).catch((e: { stdout: string; stderr: string }) => e);
    assert.match(checked.stdout, new RegExp(`SUCCESS: ${queries.length} rules found`), `${checked.stdout}${checked.stderr}`);
    // The check can fail: a broken expression is refused.
    fs.writeFileSync(path.join(dir, 'bad.yml'), stringify({ groups: [{ name: 'b', rules: [{ record: 'b', expr: 'sum(rate(x[5m])' }] }] }));
    await assert.rejects(run(promtool, ['check', 'rules', path.join(dir, 'bad.yml')]));
  });

  it('with the sample app pushing OTLP metrics under load and fixture series for what cannot run here, every query returns data', async () => {
    const port = await freePort();
    fs.writeFileSync(path.join(dir, 'prometheus.yml'), stringify(prometheusConfig()));
    // What cannot run here (cAdvisor, Argo CD, Tempo's metrics generator): their series in their real
    // format, written into Prometheus's storage by promtool's own backfill before it starts.
    fs.writeFileSync(path.join(dir, 'fixtures.om'), fixtureSeries(Math.floor(Date.now() / 1000)));
    await run(path.join(prometheusBin(), 'promtool'), ['tsdb', 'create-blocks-from', 'openmetrics', path.join(dir, 'fixtures.om'), path.join(dir, 'data')]);
    // The rendered arguments, with only the paths and the listen address changed.
    const prometheus: ChildProcess = spawn(
      path.join(prometheusBin(), 'prometheus'),
      [
        `--config.file=${path.join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(dir, 'data')}`,
        '--storage.tsdb.retention.time=1d',
        '--web.enable-otlp-receiver',
        '--web.enable-remote-write-receiver',
        '--enable-feature=exemplar-storage',
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: 'ignore' },
    );
    const url = `http://127.0.0.1:${port}`;
    const app = await startSampleApp({
      OTEL_SERVICE_NAME: 'sample-app',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=staging,service.version=1.4.2',
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${url}/api/v1/otlp/v1/metrics`,
      OTEL_EXPORTER_OTLP_ENDPOINT: `${url}/api/v1/otlp`,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
    });
    try {
      for (let ready = false; !ready;) ready = (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok ?? false;
      // Load with some failures, for the error-ratio queries.
      const until = Date.now() + 20_000;
      while (Date.now() < until)
        await Promise.all(
          [fetch(`${app.url}/api/products`), fetch(`${app.url}/api/products/999999`), fetch(`${app.url}/api/error`)].map((p) => p.catch(() => undefined)),
        );
      const results: Record<string, number> = {};
      for (const { where, query } of promqlQueries()) {
        const response = (await (await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query)}`)).json()) as {
          status: string;
          data: { result: unknown[] };
          error?: string;
        };
        assert.equal(response.status, 'success', `${where}: ${query}: ${response.error}`);
        results[where] = response.data.result.length;
      }
      const empty = Object.entries(results).filter(([, n]) => n === 0);
      assert.deepEqual(empty, [], 'every query over the sample app’s metrics returns data');
      assert.ok(Object.keys(results).length >= 12, JSON.stringify(results));
      console.log(`      ${Object.keys(results).length} PromQL queries returned data`);
    } finally {
      await app.stop();
      prometheus.kill('SIGTERM');
    }
  });
});

/**
 * OpenMetrics samples (every 30 s over the last 75 minutes, so `offset 1h` and `increase(…[10m])`
 * find data) of the series whose sources do not run here, with the labels those sources write:
 * cAdvisor through the kubelet, Argo CD's application controller, Tempo's span metrics.
 */
function fixtureSeries(now: number): string {
  const lines: string[] = [];
  const series = (name: string, type: 'gauge' | 'counter', labels: string, value: (i: number) => number) => {
    lines.push(`# TYPE ${name.replace(/_total$/, '')} ${type}`);
    for (let i = 0; i <= 150; i++) lines.push(`${name}{${labels}} ${value(i)} ${now - 75 * 60 + i * 30}`);
  };
  series(
    'container_memory_working_set_bytes',
    'gauge',
    'container="sample-app",id="/kubepods/burstable/pod1234",image="acr.azurecr.io/sample-app:1.4.2",name="sample-app",namespace="sample-app-staging",node="aks-nodepool1-0",pod="sample-app-7d9f8c6b5-x2k4p"',
    (i) => 50_000_000 + i * 200_000,
  );
  series(
    'argocd_app_info',
    'gauge',
    'autosync_enabled="true",dest_namespace="sample-app-staging",dest_server="https://kubernetes.default.svc",health_status="Degraded",name="sample-app-staging",namespace="argocd",project="sample-app",repo="https://dev.azure.com/contoso/gitops/_git/config-repo",sync_status="Synced"',
    () => 1,
  );
  series(
    'argocd_app_sync_total',
    'counter',
    'dest_server="https://kubernetes.default.svc",name="sample-app-staging",namespace="argocd",phase="Failed",project="sample-app"',
    (i) => Math.floor(i / 20),
  );
  series(
    'traces_spanmetrics_calls_total',
    'counter',
    'service="sample-app",span_kind="SPAN_KIND_SERVER",span_name="GET /api/products",status_code="STATUS_CODE_UNSET",source="tempo"',
    (i) => i * 40,
  );
  return `${lines.join('\n')}\n# EOF\n`;
}
