import * as assert from 'node:assert/strict';
import { observabilityKeyTree } from '../../../test/cluster/reference-data';
import versions from '../../../manifests/observability/versions.json';
import { datasources } from '../components/grafana';
import { lokiConfig } from '../components/loki';
import { pyroscopeConfig } from '../components/pyroscope';
import { tempoConfig } from '../components/tempo';
import { COMPONENTS, stackOptions } from '../options';
import { baseInputs } from './render-stack.test';

/** Every key path of `value` that the key tree does not allow (README of observability-reference/ for the format). */
export function unknownKeyPaths(value: unknown, tree: unknown, at = ''): string[] {
  if (tree === '*' || tree === '{}' || value === null || typeof value !== 'object') return [];
  if (typeof tree !== 'object' || tree === null) return [at];
  const blocks = tree as Record<string, unknown>;
  if (Array.isArray(value)) return '[]' in blocks ? value.flatMap((item, i) => unknownKeyPaths(item, blocks['[]'], `${at}[${i}]`)) : [];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, item]) =>
    key in blocks ? unknownKeyPaths(item, blocks[key], at ? `${at}.${key}` : key) : [at ? `${at}.${key}` : key],
  );
}

const version = (image: string) => image.split(':')[1].replace(/^v/, '');

/** Every variant that changes the configs: storage, size profile, exposure, OTLP agents, with and without Prometheus. */
function variants() {
  const out = [];
  for (const storage of [
    { storageBackend: 'filesystem' as const },
    {
      storageBackend: 'azure-blob' as const,
      storageAccountName: 'stgitopsobs',
      storageAccountKey: 'a2V5',
      logsContainer: 'l-c',
      tracesContainer: 't-c',
      profilesContainer: 'p-c',
    },
  ])
    for (const resourceProfile of ['small', 'medium', 'large'] as const)
      for (const components of [COMPONENTS.join(','), COMPONENTS.filter((c) => c !== 'prometheus').join(',')])
        for (const otlpExposure of ['none', 'LoadBalancer'] as const)
          out.push({
            label: `${storage.storageBackend} ${resourceProfile} ${components.includes('prometheus') ? 'with' : 'without'} prometheus, agents ${otlpExposure}`,
            options: stackOptions(baseInputs({ ...storage, resourceProfile, components, otlpExposure })),
          });
  return out;
}

describe('Loki, Tempo and Pyroscope configs against the key trees of the pinned releases', () => {
  const cases = [
    { component: 'loki', render: lokiConfig },
    { component: 'tempo', render: tempoConfig },
    { component: 'pyroscope', render: pyroscopeConfig },
  ] as const;
  for (const { component, render } of cases) {
    it(`${component}: every key of every rendered variant is one the pinned release reads`, () => {
      const tree = observabilityKeyTree(component, version(versions[component]));
      let keys = 0;
      for (const { label, options } of variants()) {
        const config = render(options);
        assert.deepEqual(unknownKeyPaths(config, tree), [], `${component} ${label}`);
        keys += JSON.stringify(config).split('":').length - 1;
      }
      assert.ok(keys > 100, `${keys} keys checked`);
    });
  }

  it('the check can fail: a key Tempo 3.0 removed is found', () => {
    const tree = observabilityKeyTree('tempo', '3.0.0');
    assert.deepEqual(unknownKeyPaths({ metrics_generator: { traces_storage: { path: '/x' } }, server: { http_listen_port: 1 } }, tree), [
      'metrics_generator.traces_storage',
    ]);
  });

  it("the traces-to-metrics link filters by a label Tempo's span metrics write (its intrinsic dimensions)", () => {
    const tree = observabilityKeyTree('tempo', version(versions.tempo)) as {
      metrics_generator: { processor: { span_metrics: { intrinsic_dimensions: object } } };
    };
    const labels = Object.keys(tree.metrics_generator.processor.span_metrics.intrinsic_dimensions);
    const tempo = (
      datasources(stackOptions(baseInputs())) as { datasources: { uid: string; jsonData: { tracesToMetrics?: { tags: { value: string }[] } } }[] }
    ).datasources.find((d) => d && d.uid === 'tempo')!;
    for (const tag of tempo.jsonData.tracesToMetrics!.tags) assert.ok(labels.includes(tag.value), `'${tag.value}' is not one of ${labels.join(', ')}`);
  });
});
