import * as assert from 'node:assert/strict';
import { parse } from 'yaml';
import { DASHBOARDS, datasources } from '../components/grafana';
import { alloyConfig } from '../components/alloy';
import { lokiConfig } from '../components/loki';
import { pyroscopeConfig } from '../components/pyroscope';
import { tempoConfig } from '../components/tempo';
import { COMPONENTS, type DeployObservabilityInputs, stackOptions } from '../options';
import { REDACTED, renderStack, toYaml } from '../render-stack';
import { UserError } from '../../user-error';

export const baseInputs = (overrides: Partial<DeployObservabilityInputs> = {}): DeployObservabilityInputs => ({
  action: 'render',
  namespace: 'observability',
  components: COMPONENTS.join(','),
  resourceProfile: 'small',
  storageBackend: 'filesystem',
  volumeSize: '10Gi',
  retentionDays: 14,
  grafanaExposure: 'ClusterIP',
  otlpExposure: 'none',
  environments: 'dev,staging,prod',
  waitTimeoutMinutes: 15,
  ...overrides,
});
const azure = {
  storageBackend: 'azure-blob' as const,
  storageAccountName: 'stgitopsobs',
  storageAccountKey: 'c3RvcmFnZS1rZXk=',
  logsContainer: 'loki-chunks',
  tracesContainer: 'tempo-traces',
  profilesContainer: 'pyroscope-profiles',
};
const secrets = {
  grafanaAdminPassword: 'Gr4fana-admin-pw-xyz',
  storageAccountKey: 'c3RvcmFnZS1rZXk=AzureKey',
  slackWebhookUrl: 'https://hooks.slack.com/services/T000/B000/XXXXSECRET',
};
const configOf = (objects: ReturnType<typeof renderStack>, name: string, key: string) =>
  String((objects.find((o) => o.kind === 'ConfigMap' && o.metadata!.name === name)!.data as Record<string, string>)[key]);

describe('observability render', () => {
  it('is deterministic: the same inputs give byte-identical YAML', () => {
    const inputs = baseInputs({
      ...azure,
      grafanaExposure: 'Ingress',
      grafanaIngressHost: 'grafana.example.com',
      alertEmailRecipients: 'ops@example.com,prod:oncall@example.com',
      smtpHost: 'smtp.example.com',
      smtpFrom: 'grafana@example.com',
      alertSlackWebhookUrl: secrets.slackWebhookUrl,
    });
    const first = toYaml(renderStack(stackOptions(inputs)));
    const second = toYaml(renderStack(stackOptions({ ...inputs })));
    assert.equal(first, second);
    assert.ok(first.length > 10000);
    const reordered = toYaml(
      renderStack(
        stackOptions({
          ...inputs,
          environments: 'prod, dev,staging,dev',
          alertEmailRecipients: 'prod:oncall@example.com, ops@example.com,ops@example.com',
          smtpHost: 'smtp.example.com',
          smtpFrom: 'grafana@example.com',
        }),
      ),
    );
    assert.equal(reordered, first, 'environments and recipients in another order, or repeated, render the same bytes');
  });

  it('orders objects namespace and RBAC, then config and secrets, then workloads', () => {
    const kinds = renderStack(stackOptions(baseInputs())).map((o) => o.kind);
    assert.equal(kinds[0], 'Namespace');
    const last = (kind: string) => kinds.lastIndexOf(kind);
    const first = (kind: string) => kinds.indexOf(kind);
    assert.ok(last('ClusterRoleBinding') < first('ConfigMap'));
    assert.ok(last('Secret') < first('StatefulSet'));
    assert.ok(last('ConfigMap') < first('Deployment'));
  });

  it('never puts a secret value in a ConfigMap or a printed render', () => {
    const o = stackOptions(baseInputs({ ...azure, alertSlackWebhookUrl: secrets.slackWebhookUrl }));
    const applied = renderStack(o, secrets);
    const configMaps = JSON.stringify(applied.filter((x) => x.kind !== 'Secret'));
    for (const value of Object.values(secrets)) assert.ok(!configMaps.includes(value), 'not outside the Secret');
    const secret = applied.find((x) => x.kind === 'Secret')!;
    assert.equal(Buffer.from((secret.data as Record<string, string>)['azure-storage-key'], 'base64').toString(), secrets.storageAccountKey);
    const printed = toYaml(renderStack(o));
    for (const value of Object.values(secrets)) assert.ok(!printed.includes(value));
    assert.deepEqual(Object.values(renderStack(o).find((x) => x.kind === 'Secret')!.stringData as Record<string, string>), [REDACTED, REDACTED, REDACTED]);
  });

  it("uses each component's own Azure keys (Loki and Tempo spell them differently)", () => {
    const o = stackOptions(baseInputs(azure));
    const loki = lokiConfig(o) as any;
    assert.deepEqual(Object.keys(loki.common.storage.azure).sort(), ['account_key', 'account_name', 'container_name', 'use_managed_identity']);
    assert.equal(loki.common.storage.azure.container_name, 'loki-chunks');
    assert.equal(loki.schema_config.configs[0].object_store, 'azure');
    assert.equal(loki.compactor.delete_request_store, 'azure');
    const tempo = tempoConfig(o) as any;
    assert.equal(tempo.storage.trace.backend, 'azure');
    assert.deepEqual(Object.keys(tempo.storage.trace.azure).sort(), ['container_name', 'storage_account_key', 'storage_account_name']);
    const pyroscope = pyroscopeConfig(o) as any;
    assert.deepEqual(pyroscope.storage.azure, { account_name: 'stgitopsobs', account_key: '${AZURE_STORAGE_KEY}', container_name: 'pyroscope-profiles' });
    // The key comes from the Secret through the environment, expanded by -config.expand-env.
    const objects = renderStack(o, secrets);
    for (const name of ['loki', 'tempo', 'pyroscope']) {
      const set = objects.find((x) => x.kind === 'StatefulSet' && x.metadata!.name === name) as any;
      const container = set.spec.template.spec.containers[0];
      assert.ok(container.args.includes('-config.expand-env=true'), name);
      assert.deepEqual(container.env.find((e: { name: string }) => e.name === 'AZURE_STORAGE_KEY').valueFrom.secretKeyRef, {
        name: 'observability-credentials',
        key: 'azure-storage-key',
      });
    }
  });

  it('writes the keys each version requires: Loki v13 on tsdb with compactor retention, Tempo 3 without ingester or compactor blocks', () => {
    const o = stackOptions(baseInputs({ retentionDays: 30 }));
    const loki = lokiConfig(o) as any;
    assert.deepEqual(loki.schema_config.configs[0], {
      from: '2024-04-01',
      store: 'tsdb',
      object_store: 'filesystem',
      schema: 'v13',
      index: { prefix: 'index_', period: '24h' },
    });
    assert.equal(loki.limits_config.retention_period, '720h');
    assert.equal(loki.compactor.retention_enabled, true);
    const tempo = tempoConfig(o) as any;
    for (const removed of ['ingester', 'ingester_client', 'compactor', 'metrics_generator_client'])
      assert.ok(!(removed in tempo), `Tempo 3 refuses '${removed}'`);
    assert.equal(tempo.distributor.receivers.otlp.protocols.grpc.endpoint, '0.0.0.0:4317');
    assert.equal(tempo.distributor.receivers.otlp.protocols.http.endpoint, '0.0.0.0:4318');
    assert.equal(tempo.overrides.defaults.compaction.block_retention, '720h');
    assert.ok(!('per_tenant_override_config' in tempo.overrides), 'new overrides format');
    const prometheus = renderStack(o).find((x) => x.kind === 'StatefulSet' && x.metadata!.name === 'prometheus') as any;
    assert.ok(prometheus.spec.template.spec.containers[0].args.includes('--web.enable-otlp-receiver'));
    assert.ok(prometheus.spec.template.spec.containers[0].args.includes('--storage.tsdb.retention.time=30d'));
  });

  it('forwards Alloy only to the stores that run, and gives it read-only RBAC', () => {
    const all = alloyConfig(stackOptions(baseInputs()));
    for (const block of [
      'loki.source.kubernetes "pods"',
      'otelcol.exporter.otlp "tempo"',
      'otelcol.exporter.otlphttp "prometheus"',
      'pyroscope.write "default"',
    ])
      assert.ok(all.includes(block), block);
    const lokiOnly = alloyConfig(stackOptions(baseInputs({ components: 'loki,alloy' })));
    assert.ok(lokiOnly.includes('otelcol.exporter.otlphttp "loki"'));
    assert.ok(!/tempo|prometheus|pyroscope/.test(lokiOnly), lokiOnly);
    const role = renderStack(stackOptions(baseInputs())).find((x) => x.kind === 'ClusterRole') as any;
    const verbs = new Set(role.rules.flatMap((r: { verbs: string[] }) => r.verbs));
    assert.deepEqual([...verbs].sort(), ['get', 'list', 'watch']);
  });

  it('exposes an OTLP endpoint for agents outside the cluster only when asked, behind a bearer token from the Secret', () => {
    const none = renderStack(stackOptions(baseInputs()));
    assert.ok(!none.some((x) => x.metadata!.name === 'alloy-agents'));
    assert.ok(!alloyConfig(stackOptions(baseInputs())).includes('otelcol.auth.bearer'));
    const lb = stackOptions(baseInputs({ otlpExposure: 'LoadBalancer' }));
    const objects = renderStack(lb, { ...secrets, otlpToken: 'agents-token-1234567890abcdef' });
    const agents = objects.find((x) => x.kind === 'Service' && x.metadata!.name === 'alloy-agents') as any;
    assert.deepEqual(
      [agents.spec.type, agents.spec.ports.map((p: { port: number }) => p.port)],
      ['LoadBalancer', [4319]],
      'only the authenticated port is public',
    );
    const config = alloyConfig(lb);
    assert.match(config, /otelcol\.auth\.bearer "agents" \{\n  token = sys\.env\("OTLP_TOKEN"\)\n\}/);
    assert.match(
      config,
      /otelcol\.receiver\.otlp "agents" \{\n  http \{\n    endpoint = "0\.0\.0\.0:4319"\n    auth     = otelcol\.auth\.bearer\.agents\.handler/,
    );
    assert.ok(!JSON.stringify(objects.filter((x) => x.kind !== 'Secret')).includes('agents-token-1234567890abcdef'));
    const ingress = renderStack(stackOptions(baseInputs({ otlpExposure: 'Ingress', otlpIngressHost: 'otlp.example.com' }))).find(
      (x) => x.kind === 'Ingress' && x.metadata!.name === 'alloy-agents',
    ) as any;
    assert.deepEqual([ingress.spec.rules[0].host, ingress.spec.tls[0].hosts], ['otlp.example.com', ['otlp.example.com']]);
    assert.throws(
      () => stackOptions(baseInputs({ otlpExposure: 'LoadBalancer', components: 'loki,grafana' })),
      /Input 'otlpExposure': the OTLP endpoint for agents is Alloy's/,
    );
  });

  it('links the datasources both ways', () => {
    const ds = datasources(stackOptions(baseInputs())).datasources as any[];
    const byUid = Object.fromEntries(ds.map((d) => [d.uid, d]));
    assert.equal(byUid.tempo.jsonData.tracesToLogsV2.datasourceUid, 'loki');
    assert.equal(byUid.tempo.jsonData.tracesToProfiles.datasourceUid, 'pyroscope');
    assert.equal(byUid.loki.jsonData.derivedFields[0].datasourceUid, 'tempo');
    assert.equal(byUid.loki.jsonData.derivedFields[0].url, '$${__value.raw}', 'escaped from provisioning env expansion');
    assert.match('{"level":"info","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","msg":"x"}', new RegExp(byUid.loki.jsonData.derivedFields[0].matcherRegex));
    assert.equal(byUid.prometheus.jsonData.exemplarTraceIdDestinations[0].datasourceUid, 'tempo');
    const noTempo = datasources(stackOptions(baseInputs({ components: 'loki,grafana' }))).datasources as any[];
    assert.deepEqual(
      noTempo.map((d) => d.uid),
      ['loki'],
    );
    assert.deepEqual(noTempo[0].jsonData, {}, 'no link to a datasource that does not exist');
  });

  it('ships dashboards that are valid Grafana JSON and query only provisioned datasources', () => {
    const uids = new Set((datasources(stackOptions(baseInputs())).datasources as { uid: string }[]).map((d) => d.uid));
    assert.deepEqual(
      Object.values(DASHBOARDS)
        .map((d) => d.title)
        .sort(),
      ['Application Performance', 'Deployment Timeline', 'Pipeline Observability'],
    );
    for (const [file, dashboard] of Object.entries(DASHBOARDS) as [string, any][]) {
      assert.match(dashboard.uid, /^[a-z0-9-]{1,40}$/, file);
      assert.ok(Number.isInteger(dashboard.schemaVersion) && dashboard.schemaVersion >= 39, file);
      const ids = dashboard.panels.map((p: { id: number }) => p.id);
      assert.equal(new Set(ids).size, ids.length, `${file}: panel ids unique`);
      for (const panel of dashboard.panels) {
        for (const key of ['x', 'y', 'w', 'h']) assert.ok(Number.isInteger(panel.gridPos[key]), `${file} ${panel.title} gridPos.${key}`);
        assert.ok(panel.gridPos.x + panel.gridPos.w <= 24, `${file} ${panel.title} fits the 24-column grid`);
        const uid = panel.datasource.uid;
        assert.ok(uids.has(uid) || uid === '-- Grafana --', `${file} ${panel.title}: datasource ${uid}`);
        for (const target of panel.targets) assert.ok(target.refId, `${file} ${panel.title}: refId`);
      }
    }
    assert.ok(DASHBOARDS['deployment-timeline.json'] && (DASHBOARDS['deployment-timeline.json'] as any).annotations.list[0].target.tags.includes('deployment'));
  });

  it('provisions the four alert rules with folder, uid, title and a condition that names a query, routed per environment', () => {
    const o = stackOptions(
      baseInputs({
        alertEmailRecipients: 'platform@example.com, prod:oncall@example.com',
        smtpHost: 'smtp.example.com',
        smtpFrom: 'grafana@example.com',
        alertSlackWebhookUrl: secrets.slackWebhookUrl,
      }),
    );
    const alerting = parse(configOf(renderStack(o), 'grafana-provisioning', 'alerting.yaml'));
    const [group] = alerting.groups;
    assert.equal(group.folder, 'GitOps Stack');
    assert.deepEqual(
      group.rules.map((r: { title: string }) => r.title),
      ['Error rate above 5%', 'p95 latency above 2 s', 'Memory grew 20% in 1 hour', 'Deployment failed'],
    );
    for (const rule of group.rules) {
      assert.ok(rule.uid && rule.title && rule.condition, JSON.stringify(rule));
      assert.ok(
        rule.data.some((d: { refId: string }) => d.refId === rule.condition),
        `${rule.title}: condition refers to a query`,
      );
    }
    const threshold = (uid: string) => group.rules.find((r: { uid: string }) => r.uid === uid).data[1].model.conditions[0].evaluator.params[0];
    assert.equal(threshold('gitops-error-rate'), 0.05);
    assert.equal(threshold('gitops-latency-p95'), 2);
    assert.equal(group.rules.find((r: { uid: string }) => r.uid === 'gitops-error-rate').for, '5m');
    assert.equal(group.rules.find((r: { uid: string }) => r.uid === 'gitops-latency-p95').for, '10m');
    const points = Object.fromEntries(
      alerting.contactPoints.map((c: { name: string; receivers: { type: string; settings: { addresses?: string; url?: string } }[] }) => [c.name, c.receivers]),
    );
    assert.equal(points['gitops-stack-prod'][0].settings.addresses, 'oncall@example.com;platform@example.com');
    assert.equal(points['gitops-stack-dev'][0].settings.addresses, 'platform@example.com');
    assert.equal(points['gitops-stack-dev'][1].settings.url, '$SLACK_WEBHOOK_URL');
    assert.deepEqual(
      alerting.policies[0].routes.map((r: { object_matchers: string[][] }) => r.object_matchers[0]),
      [
        ['environment', '=', 'dev'],
        ['environment', '=', 'prod'],
        ['environment', '=', 'staging'],
      ],
    );
  });

  it('refuses what task.json cannot express, before anything is applied', () => {
    assert.throws(
      () => stackOptions(baseInputs({ components: 'alloy,grafana' })),
      (e: Error) => e instanceof UserError && /Input 'components': alloy needs at least one store/.test(e.message),
    );
    assert.throws(
      () => stackOptions(baseInputs({ alertEmailRecipients: 'qa:qa@example.com', smtpHost: 'smtp.example.com', smtpFrom: 'grafana@example.com' })),
      /Input 'alertEmailRecipients': 'qa:qa@example.com' names environment 'qa', which is not in 'environments' \(dev, prod, staging\)/,
    );
  });
});

describe('alert e-mail through an SMTP server', () => {
  it('gives Grafana the SMTP settings, the password only through the stack Secret; recipients without a server are refused', () => {
    const options = stackOptions(
      baseInputs({
        alertEmailRecipients: 'ops@example.com',
        smtpHost: 'smtp.example.com',
        smtpPort: 465,
        smtpUsername: 'grafana',
        smtpPassword: 'Smtp-Pa55',
        smtpFrom: 'grafana@example.com',
      }),
    );
    const objects = renderStack(options, { grafanaAdminPassword: 'x', smtpPassword: 'Smtp-Pa55' });
    const grafana = objects.find((o) => o.kind === 'StatefulSet' && o.metadata!.name === 'grafana') as {
      spec: { template: { spec: { containers: { env: { name: string; value?: string; valueFrom?: unknown }[] }[] } } };
    };
    const env = Object.fromEntries(grafana.spec.template.spec.containers[0].env.map((e) => [e.name, e.value ?? e.valueFrom]));
    assert.equal(env.GF_SMTP_ENABLED, 'true');
    assert.equal(env.GF_SMTP_HOST, 'smtp.example.com:465');
    assert.equal(env.GF_SMTP_USER, 'grafana');
    assert.equal(env.GF_SMTP_FROM_ADDRESS, 'grafana@example.com');
    assert.equal(env.GF_SMTP_STARTTLS_POLICY, 'MandatoryStartTLS');
    assert.deepEqual(env.GF_SMTP_PASSWORD, { secretKeyRef: { name: 'observability-credentials', key: 'smtp-password' } });
    assert.ok(!toYaml(renderStack(options)).includes('Smtp-Pa55'), 'the password is not in the printed render');
    assert.throws(
      () => stackOptions(baseInputs({ alertEmailRecipients: 'ops@example.com' })),
      (e: Error) => e instanceof UserError && /Input 'alertEmailRecipients' names recipients, but 'smtpHost' is empty/.test(e.message),
    );
  });
});

describe('dashboards promise only what the stack delivers', () => {
  type Target = { exemplar?: boolean; query?: string };
  type Panel = { title: string; type: string; targets?: Target[]; options?: { sortBy?: { displayName: string; desc: boolean }[] } };
  const panels = (file: string) => (DASHBOARDS[file] as unknown as { panels: Panel[] }).panels;

  it('no panel asks for exemplars (the Node.js metrics SDK exports none); the slow-request table filters and sorts by duration', () => {
    for (const file of Object.keys(DASHBOARDS))
      for (const panel of panels(file)) for (const target of panel.targets ?? []) assert.notEqual(target.exemplar, true, `${file}: ${panel.title}`);
    const slowest = panels('application-performance.json').find((p) => /^Slowest/.test(p.title))!;
    assert.match(slowest.targets![0].query!, /duration > \d+ms/);
    assert.deepEqual(slowest.options?.sortBy, [{ displayName: 'Duration', desc: true }]);
  });

  it('Pyroscope enforces retentionDays on the storage new profiles go to (the metastore index cleanup runs)', () => {
    const config = pyroscopeConfig(stackOptions(baseInputs({ retentionDays: 7 }))) as {
      metastore: { index?: { cleanup_interval?: string } };
      limits: Record<string, string>;
    };
    assert.match(config.metastore.index?.cleanup_interval ?? '', /^[1-9]\d*[hm]$/);
    assert.equal(config.limits.compactor_blocks_retention_period, '168h');
  });
});
