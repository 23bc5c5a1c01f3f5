import { stringify } from 'yaml';
import type { StackOptions } from '../options';
import { azureKeyEnv, configMap, type K8sObject, statefulWorkload } from '../workload';

/** Loki's own config: single binary, schema v13 on tsdb, retention by the compactor. */
export function lokiConfig(o: StackOptions): Record<string, unknown> {
  const azure = o.storage.backend === 'azure-blob';
  const store = azure ? 'azure' : 'filesystem';
  return {
    auth_enabled: false,
    server: { http_listen_port: 3100, grpc_listen_port: 9095, log_level: 'info' },
    common: {
      path_prefix: '/var/loki',
      replication_factor: 1,
      ring: { kvstore: { store: 'inmemory' } },
      storage:
        o.storage.backend === 'azure-blob'
          ? // Loki's Azure keys are account_name / account_key (Tempo's differ).
            {
              azure: {
                account_name: o.storage.accountName,
                account_key: '${AZURE_STORAGE_KEY}',
                container_name: o.storage.containers.logs,
                use_managed_identity: false,
              },
            }
          : { filesystem: { chunks_directory: '/var/loki/chunks', rules_directory: '/var/loki/rules' } },
    },
    schema_config: { configs: [{ from: '2024-04-01', store: 'tsdb', object_store: store, schema: 'v13', index: { prefix: 'index_', period: '24h' } }] },
    limits_config: { retention_period: `${o.retentionDays * 24}h`, allow_structured_metadata: true, volume_enabled: true },
    compactor: { working_directory: '/var/loki/compactor', retention_enabled: true, delete_request_store: store },
    pattern_ingester: { enabled: true },
    analytics: { reporting_enabled: false },
  };
}

export function loki(o: StackOptions): K8sObject[] {
  const config = configMap(o, 'loki', 'loki-config', { 'loki.yaml': stringify(lokiConfig(o)) });
  return statefulWorkload(o, {
    component: 'loki',
    // expand-env puts the storage key in from the Secret, so it never sits in the ConfigMap.
    args: ['-config.file=/etc/loki/loki.yaml', '-config.expand-env=true', '-target=all'],
    ports: [
      { name: 'http', port: 3100 },
      { name: 'grpc', port: 9095 },
    ],
    config,
    configPath: '/etc/loki',
    dataPath: '/var/loki',
    user: 10001,
    env: azureKeyEnv(o),
    readinessPath: '/ready',
  });
}
