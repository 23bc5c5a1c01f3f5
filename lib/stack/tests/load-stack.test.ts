import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadStack, parseStack } from '../load-stack';
import { planStack } from '../plan';

const EXAMPLE = path.resolve(__dirname, '..', '..', '..', '..', 'examples', 'stack.yaml');
const example = () => fs.readFileSync(EXAMPLE, 'utf8');

function refusal(text: string): string {
  try {
    parseStack(text, 'stack.yaml');
  } catch (error) {
    return (error as Error).message;
  }
  assert.fail('expected the stack file to be refused');
}

describe('stack file', () => {
  it('the bundled example describes the team in the quick start', () => {
    const stack = loadStack(EXAMPLE);
    assert.equal(stack.azure.resourceGroup, 'rg-gitops');
    assert.equal(stack.azure.location, 'eastus');
    assert.equal(stack.cluster.name, 'aks-gitops-cluster');
    assert.deepEqual(stack.cluster.nodePool, { count: 2, vmSize: 'Standard_DC2s_v3' });
    assert.deepEqual(
      stack.environments.map((e) => [e.name, e.slackChannel]),
      [
        ['dev', '#dev-deployments'],
        ['staging', '#staging-deployments'],
        ['prod', '#prod-deployments'],
      ],
    );
    assert.ok(stack.environments.every((e) => (e.email ?? []).length > 0));
  });

  it('points at the line and column of a bad field, with its path and rule', () => {
    const message = refusal(example().replace('accountName: stgitopsobs', 'accountName: My_Logs'));
    const line =
      example()
        .split('\n')
        .findIndex((l) => l.includes('accountName: stgitopsobs')) + 1;
    assert.equal(message, `stack.yaml:${line}:16: storage.accountName must match ^[a-z0-9]{3,24}$`);
  });

  it('reports every problem at once: missing, unknown and mistyped fields', () => {
    const text = example()
      .replace('  location: eastus\n', '')
      .replace('    count: 2', '    count: two')
      .replace('  sku: Standard\n', '  sku: Standard\n  adminUser: me\n');
    const lines = refusal(text).split('\n');
    assert.ok(
      lines.some((l) => /^stack\.yaml:\d+:\d+: azure\.location is required$/.test(l)),
      lines.join('\n'),
    );
    assert.ok(
      lines.some((l) => /^stack\.yaml:\d+:\d+: cluster\.nodePool\.count must be integer$/.test(l)),
      lines.join('\n'),
    );
    assert.ok(
      lines.some((l) => /^stack\.yaml:\d+:\d+: registry: unknown field 'adminUser'$/.test(l)),
      lines.join('\n'),
    );
  });

  it('names the environment index of a bad Slack channel and refuses duplicate environments', () => {
    assert.match(refusal(example().replace('"#staging-deployments"', 'staging-deployments')), /environments\[1\]\.slackChannel must match/);
    assert.match(refusal(example().replace('- name: staging', '- name: dev')), /'dev' is listed twice/);
  });

  it('reports YAML syntax errors with their position', () => {
    assert.match(refusal('apiVersion: gitops-stack/v1\nkind: [Stack\n'), /^stack\.yaml:\d+:\d+: /);
  });

  it('plans six steps whose inputs pass each task.json, secrets only as variable references', async () => {
    const registered: string[] = [];
    const steps = await planStack(loadStack(EXAMPLE), { setSecret: (s) => registered.push(s) }, path.dirname(EXAMPLE));
    assert.deepEqual(
      steps.map((s) => s.title),
      [
        'ProvisionAks',
        'DeployObservability',
        'ArgoCDRegister sample-app',
        'PromoteEnv new image -> dev',
        'PromoteEnv dev -> staging (after approval)',
        'PromoteEnv staging -> prod (after approval)',
      ],
    );
    const provision = steps[0].inputs;
    assert.equal(provision.nodeCount, 2);
    assert.equal(provision.storageContainers, 'loki-chunks,tempo-traces,pyroscope-profiles');
    assert.equal(steps[2].inputs.slackToken, '$(SLACK_BOT_TOKEN)');
    assert.deepEqual(registered, [], 'no literal secret in the example');
    assert.ok(steps[5].actions[0].includes('apps/sample-app/overlays/prod'));
    assert.equal(steps[3].diff, undefined, 'the image CI builds is not known at plan time');
    assert.match(
      steps[4].diff!,
      /^diff --git a\/apps\/sample-app\/overlays\/staging\/kustomization\.yaml .*\n-    newTag: "1\.4\.1"\n\+    newTag: "1\.4\.2"\n/s,
    );
    assert.match(steps[5].diff!, /-    newTag: "1\.4\.0"\n\+    newTag: "1\.4\.1"\n/);
  });

  it('refuses a stack whose values break a task rule the schema does not know', () => {
    const text = example().replace('    count: 2', '    count: 2000');
    assert.match(refusal(text), /cluster\.nodePool\.count must be <= 1000/);
  });

  it('refuses hostile stack files at a position, in linear time: duplicate keys, alias bombs, deep nesting, huge files', () => {
    const started = Date.now();
    const keys = Array.from({ length: 100_000 }, (_, i) => `k${i}: 1`).join('\n');
    assert.match(refusal(`${keys}\nk5: 2\n`), /^stack\.yaml:100001:1: duplicate key 'k5'$/m);
    const bomb = ['a: &a [x,x,x,x,x,x,x,x,x,x]'];
    for (let i = 1; i < 8; i++)
      bomb.push(
        `${'abcdefgh'[i]}: &${'abcdefgh'[i]} [${Array(10)
          .fill(`*${'abcdefgh'[i - 1]}`)
          .join(',')}]`,
      );
    assert.match(refusal(bomb.join('\n')), /^stack\.yaml:2:\d+: aliases expand too far/);
    assert.match(refusal(`a: ${'['.repeat(150)}${']'.repeat(150)}`), /^stack\.yaml:1:\d+: nests deeper than 100 levels/);
    assert.ok(Date.now() - started < 30_000, `linear checks (${Date.now() - started} ms)`);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'stack-')), 'stack.yaml');
    fs.writeFileSync(file, example() + `#${'x'.repeat(1024 * 1024)}\n`);
    assert.throws(() => loadStack(file), /^UserError: Stack file: '.*stack\.yaml' is larger than 1 MiB/);
    assert.throws(() => loadStack('/dev/zero'), /^UserError: Stack file: '\/dev\/zero' is not a regular file/);
  });
});
