import { stringify } from 'yaml';
import type { StackOptions } from '../options';
import { azureKeyEnv, configMap, type K8sObject, statefulWorkload } from '../workload';

/**
 * Tempo 3's own config in monolithic mode (no ingester or compactor blocks any
 * more), OTLP receivers on all interfaces (Tempo binds to localhost by default),
 * and retention in the new overrides format. Every key is checked against Tempo 3.0's
 * key tree (lib/observability/tests/config-keys.test.ts): Tempo refuses unknown keys at start-up.
 */
export function tempoConfig(o: StackOptions): Record<string, unknown> {
  return {
    stream_over_http_enabled: true,
    server: { http_listen_port: 3200, grpc_listen_port: 9095, log_level: 'info' },
    distributor: { receivers: { otlp: { protocols: { grpc: { endpoint: '0.0.0.0:4317' }, http: { endpoint: '0.0.0.0:4318' } } } } },
    storage: {
      trace: {
        wal: { path: '/var/tempo/wal' },
        ...(o.storage.backend === 'azure-blob'
          ? // Tempo's Azure keys are storage_account_name / storage_account_key (Loki's differ).
            {
              backend: 'azure',
              azure: { storage_account_name: o.storage.accountName, storage_account_key: '${AZURE_STORAGE_KEY}', container_name: o.storage.containers.traces },
            }
          : { backend: 'local', local: { path: '/var/tempo/blocks' } }),
      },
    },
    metrics_generator: {
      registry: { external_labels: { source: 'tempo' } },
      storage: {
        path: '/var/tempo/generator/wal',
        remote_write: o.components.has('prometheus') ? [{ url: 'http://prometheus:9090/api/v1/write', send_exemplars: true }] : [],
      },
    },
    overrides: {
      defaults: {
        compaction: { block_retention: `${o.retentionDays * 24}h` },
        // Tempo 3.0 removed the local-blocks processor (and metrics_generator.traces_storage with it):
        // span metrics and the service graph are written to Prometheus, so without it there is nothing to generate.
        metrics_generator: { processors: o.components.has('prometheus') ? ['service-graphs', 'span-metrics'] : [] },
      },
    },
    usage_report: { reporting_enabled: false },
  };
}

export function tempo(o: StackOptions): K8sObject[] {
  const config = configMap(o, 'tempo', 'tempo-config', { 'tempo.yaml': stringify(tempoConfig(o)) });
  return statefulWorkload(o, {
    component: 'tempo',
    args: ['-config.file=/etc/tempo/tempo.yaml', '-config.expand-env=true', '-target=all'],
    ports: [
      { name: 'http', port: 3200 },
      { name: 'otlp-grpc', port: 4317 },
      { name: 'otlp-http', port: 4318 },
    ],
    config,
    configPath: '/etc/tempo',
    dataPath: '/var/tempo',
    user: 10001,
    env: azureKeyEnv(o),
    readinessPath: '/ready',
  });
}
