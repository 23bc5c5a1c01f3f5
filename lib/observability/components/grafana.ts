import { stringify } from 'yaml';
import applicationPerformance from '../../../manifests/observability/dashboards/application-performance.json';
import deploymentTimeline from '../../../manifests/observability/dashboards/deployment-timeline.json';
import pipelineObservability from '../../../manifests/observability/dashboards/pipeline-observability.json';
import type { StackOptions } from '../options';
import { configMap, ingress, type K8sObject, secretEnv, service, statefulWorkload } from '../workload';
import { alertingProvisioning } from './grafana-alerting';

export const DASHBOARDS: Record<string, { uid: string; title: string }> = {
  'deployment-timeline.json': deploymentTimeline,
  'application-performance.json': applicationPerformance,
  'pipeline-observability.json': pipelineObservability,
};

/**
 * Datasources linked both ways: a trace opens its logs and its profile, a log
 * line's trace id opens the trace, a metric exemplar opens its trace. `$$`
 * keeps Grafana's provisioning from reading `${__value.raw}` as an environment variable.
 */
export function datasources(o: StackOptions): Record<string, unknown> {
  const has = (c: 'loki' | 'tempo' | 'prometheus' | 'pyroscope') => o.components.has(c);
  const serviceTag = [{ key: 'service.name', value: 'service_name' }];
  return {
    apiVersion: 1,
    prune: true,
    datasources: [
      has('prometheus') && {
        name: 'Prometheus',
        uid: 'prometheus',
        type: 'prometheus',
        access: 'proxy',
        url: 'http://prometheus:9090',
        isDefault: true,
        editable: false,
        jsonData: {
          httpMethod: 'POST',
          ...(has('tempo') ? { exemplarTraceIdDestinations: [{ name: 'trace_id', datasourceUid: 'tempo', urlDisplayLabel: 'View trace' }] } : {}),
        },
      },
      has('loki') && {
        name: 'Loki',
        uid: 'loki',
        type: 'loki',
        access: 'proxy',
        url: 'http://loki:3100',
        editable: false,
        jsonData: has('tempo')
          ? {
              derivedFields: [
                {
                  name: 'TraceID',
                  matcherRegex: '"trace_?[iI]d":"([0-9a-f]{32})"',
                  url: '$${__value.raw}',
                  datasourceUid: 'tempo',
                  urlDisplayLabel: 'View trace',
                },
                {
                  name: 'trace_id',
                  matcherType: 'label',
                  matcherRegex: 'trace_id',
                  url: '$${__value.raw}',
                  datasourceUid: 'tempo',
                  urlDisplayLabel: 'View trace',
                },
              ],
            }
          : {},
      },
      has('tempo') && {
        name: 'Tempo',
        uid: 'tempo',
        type: 'tempo',
        access: 'proxy',
        url: 'http://tempo:3200',
        editable: false,
        jsonData: {
          ...(has('loki')
            ? {
                tracesToLogsV2: {
                  datasourceUid: 'loki',
                  spanStartTimeShift: '-5m',
                  spanEndTimeShift: '5m',
                  filterByTraceID: true,
                  filterBySpanID: false,
                  tags: serviceTag,
                },
                lokiSearch: { datasourceUid: 'loki' },
              }
            : {}),
          ...(has('pyroscope')
            ? { tracesToProfiles: { datasourceUid: 'pyroscope', profileTypeId: 'wall:cpu:nanoseconds:wall:nanoseconds', tags: serviceTag } }
            : {}),
          ...(has('prometheus')
            ? {
                tracesToMetrics: {
                  datasourceUid: 'prometheus',
                  // Tempo's span metrics name the service `service` (not service_name, as Alloy labels logs).
                  tags: [{ key: 'service.name', value: 'service' }],
                  queries: [{ name: 'Request rate', query: 'sum(rate(traces_spanmetrics_calls_total{$$__tags}[5m]))' }],
                },
                serviceMap: { datasourceUid: 'prometheus' },
              }
            : {}),
          nodeGraph: { enabled: true },
          search: { hide: false },
          traceQuery: { timeShiftEnabled: true, spanStartTimeShift: '-30m', spanEndTimeShift: '30m' },
        },
      },
      has('pyroscope') && {
        name: 'Pyroscope',
        uid: 'pyroscope',
        type: 'grafana-pyroscope-datasource',
        access: 'proxy',
        url: 'http://pyroscope:4040',
        editable: false,
      },
    ].filter(Boolean),
  };
}

const dashboardProvider = {
  apiVersion: 1,
  providers: [
    {
      name: 'gitops-stack',
      folder: 'GitOps Stack',
      type: 'file',
      disableDeletion: true,
      allowUiUpdates: false,
      updateIntervalSeconds: 60,
      options: { path: '/etc/grafana/dashboards', foldersFromFilesStructure: false },
    },
  ],
};

export function grafanaUrl(o: StackOptions): string {
  if (o.grafana.exposure === 'Ingress') return `https://${o.grafana.host}/`;
  return `http://grafana.${o.namespace}.svc.cluster.local:3000/`;
}

export function grafana(o: StackOptions): K8sObject[] {
  const provisioning = configMap(o, 'grafana', 'grafana-provisioning', {
    'datasources.yaml': stringify(datasources(o)),
    'dashboards.yaml': stringify(dashboardProvider),
    'alerting.yaml': stringify(alertingProvisioning(o)),
  });
  const dashboards = configMap(
    o,
    'grafana',
    'grafana-dashboards',
    Object.fromEntries(Object.entries(DASHBOARDS).map(([file, json]) => [file, `${JSON.stringify(json, null, 2)}\n`])),
  );
  const objects = statefulWorkload(o, {
    component: 'grafana',
    args: [],
    ports: [{ name: 'http', port: 3000 }],
    config: provisioning,
    configPath: '/etc/grafana/provisioning',
    configItems: [
      { key: 'datasources.yaml', path: 'datasources/datasources.yaml' },
      { key: 'dashboards.yaml', path: 'dashboards/dashboards.yaml' },
      { key: 'alerting.yaml', path: 'alerting/alerting.yaml' },
    ],
    alsoChecksum: [dashboards],
    dataPath: '/var/lib/grafana',
    user: 472,
    env: [
      { name: 'GF_SECURITY_ADMIN_USER', value: 'admin' },
      secretEnv('GF_SECURITY_ADMIN_PASSWORD', 'grafana-admin-password'),
      ...(o.slack ? [secretEnv('SLACK_WEBHOOK_URL', 'slack-webhook-url')] : []),
      // Alert e-mail: Grafana's [smtp] settings from its environment, the password from the stack Secret.
      ...(o.smtp
        ? [
            { name: 'GF_SMTP_ENABLED', value: 'true' },
            { name: 'GF_SMTP_HOST', value: `${o.smtp.host}:${o.smtp.port}` },
            ...(o.smtp.user ? [{ name: 'GF_SMTP_USER', value: o.smtp.user }] : []),
            ...(o.smtp.password ? [secretEnv('GF_SMTP_PASSWORD', 'smtp-password')] : []),
            { name: 'GF_SMTP_FROM_ADDRESS', value: o.smtp.from },
            { name: 'GF_SMTP_FROM_NAME', value: 'GitOps Stack alerts' },
            { name: 'GF_SMTP_STARTTLS_POLICY', value: o.smtp.startTls },
          ]
        : []),
      { name: 'GF_SERVER_ROOT_URL', value: grafanaUrl(o) },
      { name: 'GF_PATHS_PROVISIONING', value: '/etc/grafana/provisioning' },
      { name: 'GF_ANALYTICS_REPORTING_ENABLED', value: 'false' },
      { name: 'GF_ANALYTICS_CHECK_FOR_UPDATES', value: 'false' },
      { name: 'GF_USERS_ALLOW_SIGN_UP', value: 'false' },
      { name: 'GF_FEATURE_TOGGLES_ENABLE', value: 'traceToProfiles tempoSearch traceqlEditor' },
    ],
    readinessPath: '/api/health',
    extraVolumes: [
      {
        volume: { name: 'dashboards', configMap: { name: 'grafana-dashboards' } },
        mount: { name: 'dashboards', mountPath: '/etc/grafana/dashboards', readOnly: true },
      },
    ],
  });
  // The Service follows the chosen exposure; an Ingress is added for a host name.
  const exposed = objects.map((object) =>
    object.kind === 'Service' && o.grafana.exposure === 'LoadBalancer' ? service(o, 'grafana', [{ name: 'http', port: 3000 }], 'LoadBalancer') : object,
  );
  const web = o.grafana.exposure === 'Ingress' ? [ingress(o, 'grafana', 'grafana', o.grafana.host!, '/', 'http')] : [];
  return [dashboards, ...exposed, ...web];
}
