import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { requireFullTier } from '../../../test/harness/test-tier';
import { REPO_ROOT } from '../../../test/harness/run-l0';
import versions from '../../../manifests/observability/versions.json';
import { alloyConfig } from '../components/alloy';
import { COMPONENTS, stackOptions } from '../options';
import { baseInputs } from './render-stack.test';

interface Block {
  name: string;
  label?: string;
  blocks?: Block[];
  /** Each attribute's value as Alloy's printer writes it: `"node"` for a string, `a.b.c.output` for a reference. */
  attributes?: Record<string, string>;
}

interface Parsed {
  error?: string;
  blocks?: Block[];
}

/** Alloy's own parser (test/alloy/checker, built by test/alloy/build) on one config text. */
function parseAlloy(text: string): Parsed {
  requireFullTier("Alloy's parser");
  const checker = process.env.ALLOY_CHECKER;
  if (!checker) throw new Error('ALLOY_CHECKER is not set: run the tests through npm test');
  return JSON.parse(execFileSync(checker, { input: text, encoding: 'utf8' })) as Parsed;
}

/** The top-level names the pinned Alloy knows, from the list kept beside the checker (with where it came from). */
function knownNames(): Set<string> {
  const file = path.join(REPO_ROOT, 'test', 'alloy', `components-v${versions.alloy.split(':v')[1]}.txt`);
  assert.ok(fs.existsSync(file), `a component list for the pinned Alloy (${versions.alloy}): ${file}`);
  return new Set(
    fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#')),
  );
}

describe("the rendered Alloy configs against Alloy's own parser", function () {
  this.timeout(60_000);

  it('every variant parses, names only components of the pinned Alloy, and labels each component once', () => {
    const known = knownNames();
    const stores = COMPONENTS.filter((c) => c !== 'alloy' && c !== 'grafana');
    let configs = 0;
    for (let mask = 1; mask < 1 << stores.length; mask++)
      for (const otlpExposure of ['none', 'LoadBalancer'] as const) {
        const components = ['alloy', ...stores.filter((_, i) => mask & (1 << i))].join(',');
        const parsed = parseAlloy(alloyConfig(stackOptions(baseInputs({ components, otlpExposure }))));
        assert.equal(parsed.error, undefined, `${components} agents ${otlpExposure}: ${parsed.error}`);
        const ids = parsed.blocks!.map((b) => `${b.name} "${b.label ?? ''}"`);
        for (const block of parsed.blocks!) assert.ok(known.has(block.name), `${components}: '${block.name}' is not a component of ${versions.alloy}`);
        assert.equal(new Set(ids).size, ids.length, `${components}: a component label used twice: ${ids}`);
        configs++;
      }
    assert.ok(configs >= 30, `${configs} configs parsed`);
  });

  it('the parser can fail: a missing brace and an unquoted label are refused', () => {
    assert.match(parseAlloy('discovery.kubernetes "pods" {\n  role = "pod"\n').error ?? '', /expected|}/);
    assert.ok(parseAlloy('discovery.kubernetes pods {\n}\n').error);
  });

  it('labels cAdvisor series by node, and scrapes Argo CD only on its metrics ports, as Alloy reads the config', () => {
    const { blocks } = parseAlloy(alloyConfig(stackOptions(baseInputs({ components: COMPONENTS.join(',') }))));
    const find = (name: string, label: string) => blocks!.find((b) => b.name === name && b.label === label)!;
    const cadvisorRules = find('discovery.relabel', 'cadvisor').blocks!.filter((b) => b.name === 'rule');
    assert.ok(
      cadvisorRules.some((r) => r.attributes?.target_label === '"node"' && r.attributes?.source_labels === '["__meta_kubernetes_node_name"]'),
      'each node’s series carry its name',
    );
    const argocd = find('discovery.relabel', 'argocd_metrics').blocks!.find((b) => b.name === 'rule')!;
    assert.equal(argocd.attributes?.action, '"keep"');
    assert.equal(argocd.attributes?.source_labels, '["__meta_kubernetes_endpointslice_port_name"]');
    assert.equal(find('prometheus.scrape', 'argocd').attributes?.targets, 'discovery.relabel.argocd_metrics.output');
  });
});
