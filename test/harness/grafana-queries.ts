import { parse } from 'yaml';
import { COMPONENTS, stackOptions } from '../../lib/observability/options';
import { renderStack } from '../../lib/observability/render-stack';
import { baseInputs } from '../../lib/observability/tests/render-stack.test';

/** The datasources whose queries we check, by uid: PromQL, LogQL, TraceQL. */
export const QUERY_DATASOURCES = ['prometheus', 'loki', 'tempo'];

/**
 * A query as Grafana sends it: dashboard variables and Grafana's own macros replaced by values
 * of their kind (Grafana interpolates them before the query reaches the datasource). `variable` is
 * what each dashboard variable becomes ('.*' is "All" for a query that must match data).
 */
export function interpolated(query: string, { variable = 'sample', interval = '5m' } = {}): string {
  return query
    .replace(/\$__(rate_interval|interval|range)\b/g, interval)
    .replace(/\$__tags\b|\$\{__tags\}/g, 'service="sample-app"')
    .replace(/\$\{(\w+)(:\w+)?\}|\$(\w+)/g, variable);
}

/**
 * A provisioning file as Grafana reads it: `$VAR` and `${VAR}` replaced by the environment variable
 * (empty here), `$$` by `$` (Grafana's documented escape).
 */
export function provisioningExpanded(text: string, env: Record<string, string> = {}): string {
  return text.replace(/\$\$|\$\{(\w+)\}|\$(\w+)/g, (match, braced?: string, plain?: string) => (match === '$$' ? '$' : (env[braced ?? plain ?? ''] ?? '')));
}

/** Every query the rendered Grafana holds, with the datasource it goes to: dashboard targets and variables, alert rules, datasource links. */
export function renderedQueries(): { where: string; datasource: string; query: string }[] {
  const found: { where: string; datasource: string; query: string }[] = [];
  const walk = (where: string, value: unknown, datasource?: string): void => {
    if (Array.isArray(value)) return value.forEach((item, i) => walk(`${where}[${i}]`, item, datasource));
    if (!value || typeof value !== 'object') return;
    const node = value as Record<string, unknown>;
    const uid = ((node.datasource as { uid?: string } | undefined)?.uid ?? node.datasourceUid ?? datasource) as string | undefined;
    for (const key of ['expr', 'query'])
      if (typeof node[key] === 'string' && uid && QUERY_DATASOURCES.includes(uid) && !/^label_values\(/.test(node[key] as string))
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
