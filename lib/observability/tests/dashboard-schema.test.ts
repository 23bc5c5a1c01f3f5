import * as assert from 'node:assert/strict';
import type { Dashboard } from '@grafana/schema';
import applicationPerformance from '../../../manifests/observability/dashboards/application-performance.json';
import deploymentTimeline from '../../../manifests/observability/dashboards/deployment-timeline.json';
import pipelineObservability from '../../../manifests/observability/dashboards/pipeline-observability.json';
import { DASHBOARDS } from '../components/grafana';

/**
 * Grafana's dashboard type with its string enums read as strings: a JSON import types `"mode":
 * "absolute"` as string, not as the enum ThresholdsMode. Everything else stays as the schema says.
 */
type Loose<T> = T extends string ? string : T extends (infer U)[] ? Loose<U>[] : T extends object ? { [K in keyof T]: Loose<T[K]> } : T;

// Type-checked by tsc against @grafana/schema of the pinned Grafana (12.3.0): a missing required
// field or a value of the wrong kind fails the build of the tests. (A JSON import is not an object
// literal, so TypeScript cannot flag an extra field; the datasource and query checks cover those.)
const typed: Record<string, Loose<Dashboard>> = {
  'application-performance.json': applicationPerformance,
  'deployment-timeline.json': deploymentTimeline,
  'pipeline-observability.json': pipelineObservability,
};

describe("dashboards against Grafana's own schema (@grafana/schema)", () => {
  it('every shipped dashboard is one of the type-checked ones, with a schema version and unique panel ids', () => {
    assert.deepEqual(Object.keys(typed).sort(), Object.keys(DASHBOARDS).sort());
    for (const [file, dashboard] of Object.entries(typed)) {
      assert.ok((dashboard.schemaVersion ?? 0) >= 39, `${file}: schemaVersion`);
      const ids = (dashboard.panels ?? []).map((p) => (p as { id?: number }).id);
      assert.equal(new Set(ids).size, ids.length, `${file}: panel ids are unique`);
    }
  });
});
