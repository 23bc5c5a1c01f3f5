import * as assert from 'node:assert/strict';
import { parser as logql } from '@grafana/lezer-logql';
import { parser as traceql } from '@grafana/lezer-traceql';
import { parser as promql } from '@prometheus-io/lezer-promql';
import type { LRParser } from '@lezer/lr';
import { parse } from 'yaml';
import { interpolated, provisioningExpanded, renderedQueries } from '../../../test/harness/grafana-queries';
import { DASHBOARDS } from '../components/grafana';
import { stackOptions } from '../options';
import { renderStack } from '../render-stack';
import { baseInputs } from './render-stack.test';

const GRAMMARS: Record<string, { language: string; parser: LRParser }> = {
  prometheus: { language: 'PromQL', parser: promql },
  loki: { language: 'LogQL', parser: logql },
  tempo: { language: 'TraceQL', parser: traceql },
};

/** The positions where the official grammar finds no valid parse. */
function syntaxErrors(parser: LRParser, query: string): number[] {
  const errors: number[] = [];
  parser.parse(query).iterate({ enter: (node) => void (node.type.isError && errors.push(node.from)) });
  return errors;
}

describe('every query of the rendered Grafana against the official Lezer grammars', () => {
  it('PromQL, LogQL and TraceQL in dashboards, alert rules and datasource links parse', () => {
    const queries = renderedQueries();
    const counts: Record<string, number> = {};
    for (const { where, datasource, query } of queries) {
      const { language, parser } = GRAMMARS[datasource];
      const text = interpolated(query);
      assert.deepEqual(syntaxErrors(parser, text), [], `${where}: ${language} ${text}`);
      counts[language] = (counts[language] ?? 0) + 1;
    }
    assert.ok(counts.PromQL >= 10 && counts.LogQL >= 1 && counts.TraceQL >= 5, JSON.stringify(counts));
  });

  it('the grammars can fail: TraceQL refuses .95 and an unknown intrinsic comparison the way Grafana does', () => {
    assert.notDeepEqual(syntaxErrors(traceql, '{ } | quantile_over_time(duration, .95)'), []);
    assert.deepEqual(syntaxErrors(traceql, '{ } | quantile_over_time(duration, 0.95)'), []);
    assert.notDeepEqual(syntaxErrors(promql, 'sum(rate(x[5m])'), []);
    assert.notDeepEqual(syntaxErrors(logql, '{job="x"} |= '), []);
  });

  it("alert rule labels survive Grafana's $ expansion: the environment route sees the label template", () => {
    const alerting = renderStack(
      stackOptions(baseInputs({ alertEmailRecipients: 'prod:oncall@example.com', smtpHost: 'smtp.example.com', smtpFrom: 'grafana@example.com' })),
    ).find((o) => (o as { data?: Record<string, string> }).data?.['alerting.yaml']) as { data: Record<string, string> };
    const rules = parse(alerting.data['alerting.yaml']).groups.flatMap((g: { rules: object[] }) => g.rules) as { labels: Record<string, string> }[];
    assert.ok(rules.length >= 4);
    for (const rule of rules) {
      // As Grafana reads them: expanded, with no environment variable of that name set.
      const labels = JSON.parse(provisioningExpanded(JSON.stringify(rule.labels)));
      assert.equal(labels.environment, '{{ $labels.deployment_environment_name }}');
    }
  });

  it('every dashboard variable is used by a query, an annotation or another variable of its dashboard', () => {
    for (const [file, dashboard] of Object.entries(DASHBOARDS) as [string, { templating?: { list: { name: string }[] } }][]) {
      const text = JSON.stringify(dashboard);
      for (const { name } of dashboard.templating?.list ?? []) {
        const uses = text.split(new RegExp(`\\$\\{?${name}\\b`)).length - 1;
        assert.ok(uses > 0, `${file}: variable '${name}' is offered but no query uses it`);
      }
    }
  });
});

describe('Grafana provisioning cross-references', () => {
  it('alert rules query provisioned datasources; every route and the root policy name a contact point; dashboards use provisioned datasources', () => {
    const objects = renderStack(
      stackOptions(
        baseInputs({ alertEmailRecipients: 'ops@example.com,prod:oncall@example.com', smtpHost: 'smtp.example.com', smtpFrom: 'grafana@example.com' }),
      ),
    );
    const files = Object.assign({}, ...objects.map((o) => (o as { data?: Record<string, string> }).data ?? {})) as Record<string, string>;
    const datasources = new Set((parse(provisioningExpanded(files['datasources.yaml'])).datasources as { uid: string }[]).map((d) => d.uid));
    const alerting = parse(files['alerting.yaml']);
    const points = new Set((alerting.contactPoints as { name: string }[]).map((p) => p.name));
    for (const group of alerting.groups as { folder: string; rules: { data: { datasourceUid: string }[] }[] }[]) {
      assert.ok(group.folder, 'every rule group is in a folder');
      for (const rule of group.rules)
        for (const query of rule.data) assert.ok(query.datasourceUid === '__expr__' || datasources.has(query.datasourceUid), query.datasourceUid);
    }
    for (const policy of alerting.policies as { receiver: string; routes: { receiver: string }[] }[]) {
      assert.ok(points.has(policy.receiver) || policy.receiver === 'grafana-default-email', policy.receiver);
      for (const route of policy.routes) assert.ok(points.has(route.receiver), route.receiver);
    }
    for (const [file, dashboard] of Object.entries(DASHBOARDS)) {
      const uids = [...JSON.stringify(dashboard).matchAll(/"uid":\s*"([^"]+)"/g)]
        .map((m) => m[1])
        .filter((uid) => uid !== (dashboard as { uid: string }).uid && uid !== '-- Grafana --');
      for (const uid of uids) assert.ok(datasources.has(uid), `${file}: datasource '${uid}' is not provisioned`);
    }
  });
});
