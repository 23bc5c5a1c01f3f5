import * as assert from 'node:assert/strict';
import { INVENTORY_KINDS } from '../../observability/apply-stack';
import { COMPONENTS, stackOptions } from '../../observability/options';
import { renderStack } from '../../observability/render-stack';
import { baseInputs } from '../../observability/tests/render-stack.test';
import { KIND_ORDER, phases, sortByKind } from '../kind-order';

describe('one kind-order table for apply, prune and the render', () => {
  const objects = [{ kind: 'Deployment' }, { kind: 'Application' }, { kind: 'Secret' }, { kind: 'Namespace' }, { kind: 'ClusterRole' }, { kind: 'ConfigMap' }];

  it('applies what others refer to first, and a kind it does not know last instead of not at all', () => {
    assert.deepEqual(
      phases(objects).map((group) => group.map((o) => o.kind)),
      [['Namespace'], ['ClusterRole'], ['Secret', 'ConfigMap'], ['Deployment'], ['Application']],
    );
    assert.deepEqual(
      sortByKind(objects).map((o) => o.kind),
      ['Namespace', 'ClusterRole', 'ConfigMap', 'Secret', 'Deployment', 'Application'],
    );
  });

  it('knows every kind the observability stack renders, and its inventory (what prune finds) holds each of them', () => {
    const rendered = new Set(
      renderStack(
        stackOptions(
          baseInputs({ components: COMPONENTS.join(','), grafanaExposure: 'Ingress', grafanaIngressHost: 'grafana.example.com', otlpExposure: 'LoadBalancer' }),
        ),
      ).map((o) => o.kind!),
    );
    for (const kind of rendered) {
      assert.ok(
        KIND_ORDER.some((k) => k.kind === kind),
        `${kind} is in the kind table`,
      );
      assert.ok(INVENTORY_KINDS.includes(kind), `${kind} is in the inventory: prune would not find it otherwise`);
    }
    for (const kind of INVENTORY_KINDS)
      assert.ok(
        KIND_ORDER.some((k) => k.kind === kind),
        `${kind} has a row (API version, scope)`,
      );
  });
});
