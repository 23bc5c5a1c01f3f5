import { stringify } from 'yaml';
import type { StackOptions } from '../options';
import { azureKeyEnv, configMap, type K8sObject, statefulWorkload } from '../workload';

/** Pyroscope 2's own config: single node, data and metastore (Raft log) on its volume. */
export function pyroscopeConfig(o: StackOptions): Record<string, unknown> {
  return {
    target: 'all',
    server: { http_listen_port: 4040, grpc_listen_port: 9095 },
    storage:
      o.storage.backend === 'azure-blob'
        ? // Pyroscope's Azure keys follow Loki's spelling: account_name / account_key.
          {
            backend: 'azure',
            azure: { account_name: o.storage.accountName, account_key: '${AZURE_STORAGE_KEY}', container_name: o.storage.containers.profiles },
          }
        : { backend: 'filesystem', filesystem: { dir: '/data/shared' } },
    // New profiles go to v2 storage, whose retention the metastore's index cleanup enforces, and only
    // when it runs: enabled here (Pyroscope 2.1's key tree has no other retention limit than this one).
    metastore: { data_dir: '/data/metastore/data', raft: { dir: '/data/metastore/raft' }, index: { cleanup_interval: '1h' } },
    limits: { compactor_blocks_retention_period: `${o.retentionDays * 24}h` },
    analytics: { reporting_enabled: false },
    self_profiling: { disable_push: true },
  };
}

export function pyroscope(o: StackOptions): K8sObject[] {
  const config = configMap(o, 'pyroscope', 'pyroscope-config', { 'pyroscope.yaml': stringify(pyroscopeConfig(o)) });
  return statefulWorkload(o, {
    component: 'pyroscope',
    args: ['-config.file=/etc/pyroscope/pyroscope.yaml', '-config.expand-env=true'],
    ports: [{ name: 'http', port: 4040 }],
    config,
    configPath: '/etc/pyroscope',
    dataPath: '/data',
    user: 10001,
    env: azureKeyEnv(o),
    readinessPath: '/ready',
  });
}
