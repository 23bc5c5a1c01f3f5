import { stringify } from 'yaml';
import type { StackOptions } from '../options';
import { configMap, type K8sObject, statefulWorkload } from '../workload';

/** Prometheus 3 as a store only: Alloy and Tempo write to it (OTLP and remote write); it scrapes nothing. */
export function prometheusConfig(): Record<string, unknown> {
  return {
    global: { scrape_interval: '30s', evaluation_interval: '30s' },
    // OTLP resource attributes the dashboards and alert rules group by.
    otlp: {
      promote_resource_attributes: ['service.name', 'service.namespace', 'deployment.environment.name', 'k8s.namespace.name', 'k8s.pod.name'],
      keep_identifying_resource_attributes: true,
    },
    storage: { tsdb: { out_of_order_time_window: '10m' } },
  };
}

export function prometheus(o: StackOptions): K8sObject[] {
  const config = configMap(o, 'prometheus', 'prometheus-config', { 'prometheus.yml': stringify(prometheusConfig()) });
  return statefulWorkload(o, {
    component: 'prometheus',
    args: [
      '--config.file=/etc/prometheus/prometheus.yml',
      '--storage.tsdb.path=/prometheus',
      `--storage.tsdb.retention.time=${o.retentionDays}d`,
      '--web.enable-otlp-receiver',
      '--web.enable-remote-write-receiver',
      '--enable-feature=exemplar-storage',
    ],
    ports: [{ name: 'http', port: 9090 }],
    config,
    configPath: '/etc/prometheus',
    dataPath: '/prometheus',
    user: 65534,
    readinessPath: '/-/ready',
  });
}
