import * as assert from 'node:assert/strict';
import { parser as logql } from '@grafana/lezer-logql';
import { parser as traceql } from '@grafana/lezer-traceql';
import { parser as promql } from '@prometheus-io/lezer-promql';
import type { LRParser } from '@lezer/lr';
import { parse } from 'yaml';
import { DASHBOARDS } from '../components/grafana';
import { COMPONENTS, stackOptions } from '../options';
import { renderStack } from '../render-stack';
import { baseInputs } from './render-stack.test';

const GRAMMARS: Record<string, { language: string; parser: LRParser }> = {
  prometheus: { language: 'PromQL', parser: promql },
  loki: { language: 'LogQL', parser: logql },
  tempo: { language: 'TraceQL', parser: traceql },
};

/**
 * A query as Grafana sends it: dashboard variables and Grafana's own macros replaced by values
 * of their kind (Grafana interpolates them before the query reaches the datasource).
 */
function interpolated(query: string): string {
  return query
    .replace(/\$__(rate_interval|interval|range)\b/g, '5m')
    .replace(/\$__tags\b|\$\{__tags\}/g, 'service="sample-app"')
    .replace(/\$\{(\w+)(:\w+)?\}|\$(\w+)/g, 'sample');
}

/**
 * A provisioning file as Grafana reads it: `$VAR` and `${VAR}` replaced by the environment variable
 * (empty here), `$$` by `$` (Grafana's documented escape).
 */
export function provisioningExpanded(text: string, env: Record<string, string> = {}): string {
  return text.replace(/\$\$|\$\{(\w+)\}|\$(\w+)/g, (match, braced?: string, plain?: string) => (match === '$$' ? '$' : (env[braced ?? plain ?? ''] ?? '')));
}

/** The positions where the official grammar finds no valid parse. */
function syntaxErrors(parser: LRParser, query: string): number[] {
  const errors: number[] = [];
  parser.parse(query).iterate({ enter: (node) => void (node.type.isError && errors.push(node.from)) });
  return errors;
}

/** Every query the rendered Grafana holds, with the datasource it goes to: dashboard targets and variables, alert rules, datasource links. */
function renderedQueries(): { where: string; datasource: string; query: string }[] {
  const found: { where: string; datasource: string; query: string }[] = [];
  const walk = (where: string, value: unknown, datasource?: string): void => {
    if (Array.isArray(value)) return value.forEach((item, i) => walk(`${where}[${i}]`, item, datasource));
    if (!value || typeof value !== 'object') return;
    const node = value as Record<string, unknown>;
    const uid = ((node.datasource as { uid?: string } | undefined)?.uid ?? node.datasourceUid ?? datasource) as string | undefined;
    for (const key of ['expr', 'query'])
      if (typeof node[key] === 'string' && uid && GRAMMARS[uid] && !/^label_values\(/.test(node[key] as string))
        found.push({ where: `${where}.${key}`, datasource: uid, query: node[key] as string });
    // The Tempo datasource's traces-to-metrics queries go to Prometheus.
    if ((node.tracesToMetrics as { queries?: { query: string }[] } | undefined)?.queries)
      for (const q of (node.tracesToMetrics as { queries: { query: string }[] }).queries)
        found.push({ where: `${where}.tracesToMetrics`, datasource: 'prometheus', query: q.query });
    for (const [key, item] of Object.entries(node)) if (key !== 'tracesToMetrics') walk(`${where}.${key}`, item, uid);
  };
  for (const object of renderStack(
    stackOptions(
      baseInputs({ components: COMPONENTS.join(','), alertEmailRecipients: 'ops@example.com', smtpHost: 'smtp.example.com', smtpFrom: 'grafana@example.com' }),
    ),
  ))
    for (const [file, text] of Object.entries(((object as { data?: Record<string, string> }).data ?? {}) as Record<string, string>)) {
      if (file.endsWith('.json')) walk(file, JSON.parse(text));
      else if (file === 'alerting.yaml' || file === 'datasources.yaml') walk(file, parse(file === 'datasources.yaml' ? provisioningExpanded(text) : text));
    }
  return found;
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
