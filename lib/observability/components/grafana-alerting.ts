import type { StackOptions } from '../options';

export const ALERT_FOLDER = 'GitOps Stack';

interface RuleSpec {
  uid: string;
  title: string;
  expr: string;
  threshold: number;
  for: string;
  severity: 'warning' | 'critical';
  summary: string;
  dashboardUid: string;
}

/** The environment label from a `<app>-<env>` name (namespace or Argo CD Application), for rules whose metrics carry no environment. */
function environmentFrom(o: StackOptions, expr: string, label: string): string {
  return `label_replace(${expr}, "deployment_environment_name", "$1", "${label}", ".*-(${o.environments.join('|')})$")`;
}

function rules(o: StackOptions): RuleSpec[] {
  const by = 'service_name, deployment_environment_name';
  const requests = 'http_server_request_duration_seconds';
  return [
    {
      uid: 'gitops-error-rate',
      title: 'Error rate above 5%',
      for: '5m',
      severity: 'critical',
      threshold: 0.05,
      dashboardUid: 'gitops-application-performance',
      expr: `sum by (${by}) (rate(${requests}_count{http_response_status_code=~"5.."}[5m])) / sum by (${by}) (rate(${requests}_count[5m]))`,
      summary: '{{ $labels.service_name }} in {{ $labels.deployment_environment_name }} answers {{ humanizePercentage $values.A.Value }} of requests with 5xx.',
    },
    {
      uid: 'gitops-latency-p95',
      title: 'p95 latency above 2 s',
      for: '10m',
      severity: 'warning',
      threshold: 2,
      dashboardUid: 'gitops-application-performance',
      expr: `histogram_quantile(0.95, sum by (le, ${by}) (rate(${requests}_bucket[5m])))`,
      summary: '95% of requests to {{ $labels.service_name }} in {{ $labels.deployment_environment_name }} take up to {{ humanizeDuration $values.A.Value }}.',
    },
    {
      uid: 'gitops-memory-growth',
      title: 'Memory grew 20% in 1 hour',
      for: '15m',
      severity: 'warning',
      threshold: 1.2,
      dashboardUid: 'gitops-application-performance',
      expr: environmentFrom(
        o,
        'sum by (namespace, pod) (container_memory_working_set_bytes{container!=""}) / sum by (namespace, pod) (container_memory_working_set_bytes{container!=""} offset 1h)',
        'namespace',
      ),
      summary: 'Pod {{ $labels.namespace }}/{{ $labels.pod }} uses {{ humanizePercentage $values.A.Value }} of the memory it used an hour ago.',
    },
    {
      uid: 'gitops-failed-deployment',
      title: 'Deployment failed',
      for: '0s',
      severity: 'critical',
      threshold: 0,
      dashboardUid: 'gitops-deployment-timeline',
      expr: environmentFrom(
        o,
        'sum by (name) (increase(argocd_app_sync_total{phase=~"Error|Failed"}[10m])) or max by (name) (argocd_app_info{health_status="Degraded"})',
        'name',
      ),
      summary: 'Argo CD Application {{ $labels.name }} failed to sync or is Degraded.',
    },
  ];
}

function contactPoint(o: StackOptions, name: string, addresses: string[]): Record<string, unknown> | undefined {
  const receivers = [
    ...(addresses.length ? [{ uid: `${name}-email`, type: 'email', settings: { addresses: addresses.join(';'), singleEmail: true } }] : []),
    // Grafana expands $SLACK_WEBHOOK_URL from the pod's environment (the Secret), so the URL is never in a ConfigMap.
    ...(o.slack
      ? [
          {
            uid: `${name}-slack`,
            type: 'slack',
            settings: { url: '$SLACK_WEBHOOK_URL', title: '{{ .CommonLabels.alertname }} ({{ .CommonLabels.environment }})' },
          },
        ]
      : []),
  ];
  return receivers.length ? { orgId: 1, name, receivers } : undefined;
}

/** Grafana's alerting provisioning file: rules in the GitOps Stack folder, a contact point and a route per environment. */
export function alertingProvisioning(o: StackOptions): Record<string, unknown> {
  const everyone = o.email['*'] ?? [];
  const root = contactPoint(o, 'gitops-stack', everyone);
  const perEnvironment = o.environments.map((environment) => ({
    environment,
    point: contactPoint(o, `gitops-stack-${environment}`, [...new Set([...everyone, ...(o.email[environment] ?? [])])].sort()),
  }));
  return {
    apiVersion: 1,
    contactPoints: [root, ...perEnvironment.map((e) => e.point)].filter(Boolean),
    policies: [
      {
        orgId: 1,
        receiver: root ? 'gitops-stack' : 'grafana-default-email',
        group_by: ['grafana_folder', 'alertname', 'environment'],
        routes: perEnvironment
          .filter((e) => e.point)
          .map((e) => ({
            receiver: `gitops-stack-${e.environment}`,
            object_matchers: [['environment', '=', e.environment]],
            ...(e.environment === 'prod' ? { group_wait: '10s', repeat_interval: '1h' } : { repeat_interval: '4h' }),
          })),
      },
    ],
    // Every rule reads Prometheus; without it there is nothing to evaluate.
    groups: !o.components.has('prometheus')
      ? []
      : [
          {
            orgId: 1,
            name: 'gitops-stack',
            folder: ALERT_FOLDER,
            interval: '1m',
            rules: rules(o).map((r) => ({
              uid: r.uid,
              title: r.title,
              condition: 'C',
              data: [
                {
                  refId: 'A',
                  relativeTimeRange: { from: 600, to: 0 },
                  datasourceUid: 'prometheus',
                  model: { refId: 'A', expr: r.expr, instant: true, intervalMs: 60000, maxDataPoints: 43200 },
                },
                {
                  refId: 'C',
                  relativeTimeRange: { from: 0, to: 0 },
                  datasourceUid: '__expr__',
                  model: { refId: 'C', type: 'threshold', expression: 'A', conditions: [{ evaluator: { type: 'gt', params: [r.threshold] } }] },
                },
              ],
              for: r.for,
              noDataState: 'OK',
              execErrState: 'Error',
              // Grafana expands environment variables in provisioned rule labels: `$$` is its escape for `$`,
              // so Grafana reads the template {{ $labels.deployment_environment_name }} (annotations are not expanded).
              labels: { severity: r.severity, environment: '{{ $$labels.deployment_environment_name }}' },
              annotations: { summary: r.summary, __dashboardUid__: r.dashboardUid },
              isPaused: false,
            })),
          },
        ],
  };
}
