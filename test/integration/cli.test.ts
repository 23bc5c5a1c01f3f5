import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createConfigRepo } from '../harness/config-repo-fixture';
import { assertNoSecretLeak } from '../harness/leak-check';
import { REPO_ROOT } from '../harness/run-l0';

const CLI = path.join(REPO_ROOT, 'dist', 'cli', 'gitops-stack.js');

function cli(...args: string[]) {
  const run = spawnSync(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
  assertNoSecretLeak(run.stdout + run.stderr);
  return run;
}

describe('gitops-stack CLI (the bundled command)', () => {
  it('plans the bundled example: every task, its inputs and what it would do', () => {
    const run = cli('plan', 'examples/stack.yaml');
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^Plan for examples\/stack\.yaml: 6 task steps/);
    for (const title of [
      '1. ProvisionAks',
      '2. DeployObservability',
      '3. ArgoCDRegister sample-app',
      '4. PromoteEnv new image -> dev',
      '6. PromoteEnv staging -> prod (after approval)',
    ]) {
      assert.ok(run.stdout.includes(title), title);
    }
    assert.match(run.stdout, /AKS cluster aks-gitops-cluster \(DNS prefix aks-gitops\): 2 × Standard_DC2s_v3/);
  });

  it('prints the same plan as JSON, byte-identical run after run', () => {
    const first = cli('plan', 'examples/stack.yaml', '--json');
    const second = cli('plan', 'examples/stack.yaml', '--json');
    assert.equal(first.stdout, second.stdout);
    const plan = JSON.parse(first.stdout);
    assert.equal(plan.steps.length, 6);
    assert.equal(plan.steps[0].inputs.clusterName, 'aks-gitops-cluster');
  });

  it('stops on a bad stack file with file:line:column, the field and the rule, and exit code 1', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-'));
    const file = path.join(dir, 'stack.yaml');
    fs.writeFileSync(file, fs.readFileSync(path.join(REPO_ROOT, 'examples', 'stack.yaml'), 'utf8').replace('name: aks-gitops-cluster', 'name: -aks'));
    const run = cli('plan', file);
    assert.equal(run.status, 1);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, new RegExp(`^error: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:9: cluster\\.name must match`));
    assert.ok(!run.stderr.includes('    at '), 'no stack trace');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('explains a missing file, a missing argument and an unknown command', () => {
    assert.match(cli('plan', 'nope.yaml').stderr, /^error: Stack file: 'nope\.yaml' cannot be read \(no such file\)/);
    assert.match(cli('plan').stderr, /^error: plan needs a stack file/);
    const unknown = cli('deploy');
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown command 'deploy'/);
  });

  it('promotes from a terminal with the same inputs as the task, and says when there is nothing to do', () => {
    const repo = createConfigRepo(['sample-app']);
    try {
      const args = [
        'promote',
        '--configRepoUrl',
        repo.url,
        '--repoAuth',
        'none',
        '--apps',
        'sample-app',
        '--sourceEnvironment',
        'staging',
        '--targetEnvironment',
        'prod',
        '--verify',
        'false',
      ];
      const first = cli(...args);
      assert.equal(first.status, 0, first.stderr);
      assert.match(first.stdout, /output changed = true/);
      assert.match(first.stdout, /Promoted sample-app to prod in [0-9a-f]{12}\./);
      assert.match(repo.show('apps/sample-app/overlays/prod/kustomization.yaml'), /newTag: "1\.4\.1"/);
      const second = cli(...args);
      assert.match(second.stdout, /Nothing to promote: prod already runs the image\./);
      const bad = cli('promote', '--configRepoUrl', repo.url, '--apps', 'sample-app', '--targetEnvironment', 'prod', '--image', 'nope:', '--verify', 'false');
      assert.equal(bad.status, 1);
      assert.match(bad.stderr, /^error: Input 'image' \(Image\) 'nope:' must be name:tag/);
      assert.equal(repo.log().length, 2);
    } finally {
      repo.cleanup();
    }
  });

  it('validates the release pipeline in every combination of its parameters, and catches a misspelled input of a Marketplace task', () => {
    const tasks = ['--tasks', '.azure-pipelines/marketplace-tasks.json'];
    for (const params of [
      [],
      ['--param', 'visibility=private', '--param', 'shareWith=contoso,fabrikam'],
      ['--param', 'marketplaceAuth=personalAccessToken', '--param', 'traceRun=true'],
    ]) {
      const run = cli('preview', '.azure-pipelines/release.yml', '--check', ...tasks, ...params);
      assert.equal(run.status, 0, `${params.join(' ')}: ${run.stdout}${run.stderr}`);
    }
    const expanded = cli('preview', '.azure-pipelines/release.yml', ...tasks, '--param', 'visibility=private', '--param', 'shareWith=contoso');
    assert.match(expanded.stdout, /connectTo: AzureRM\n\s+connectedServiceNameAzureRM: \$\(marketplaceAzureConnection\)/);
    assert.match(expanded.stdout, /extensionVisibility: private\n\s+shareWith: contoso/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'release-'));
    try {
      const broken = path.join(dir, 'release.yml');
      fs.writeFileSync(
        broken,
        fs
          .readFileSync(path.join(REPO_ROOT, '.azure-pipelines', 'release.yml'), 'utf8')
          .replace('extensionVisibility:', 'extensionVisiblity:')
          .replace('../templates/', `${REPO_ROOT}/templates/`),
      );
      const run = cli('preview', broken, '--check', '--tasks', path.join(REPO_ROOT, '.azure-pipelines', 'marketplace-tasks.json'));
      assert.equal(run.status, 1);
      assert.match(run.stderr, /release\.yml:\d+: .*extensionVisiblity/);
      const missing = cli('preview', '.azure-pipelines/release.yml', '--check', '--tasks', path.join(dir, 'none.json'));
      assert.match(missing.stderr, /--tasks: '.*none\.json' cannot be read \(no such file\)/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('renders the observability stack to stdout alone, byte-identical run after run, without a cluster', () => {
    const args = [
      'render',
      'observability',
      '--namespace',
      'monitoring',
      '--storageBackend',
      'azure-blob',
      '--storageAccountName',
      'stgitopsobs',
      '--storageAccountKey',
      'a2V5LWZyb20tdGhlLWNsaQ==',
      '--grafanaExposure',
      'Ingress',
      '--grafanaIngressHost',
      'grafana.example.com',
    ];
    const first = cli(...args);
    const second = cli(...args);
    assert.equal(first.status, 0, first.stderr);
    assert.equal(first.stdout, second.stdout);
    assert.equal(first.stderr.trim(), 'Rendered 25 objects for namespace monitoring.');
    const kinds = first.stdout.split(/^---$/m).map((doc) => /^kind: (\w+)$/m.exec(doc)?.[1]);
    assert.equal(kinds[0], 'Namespace');
    assert.ok(kinds.includes('Ingress'));
    assert.ok(!first.stdout.includes('a2V5LWZyb20tdGhlLWNsaQ=='), 'the key is never printed');
    const bad = cli('render', 'observability', '--namespace', 'Bad_Name');
    assert.equal(bad.status, 1);
    assert.match(bad.stderr + bad.stdout, /Input 'namespace' \(Namespace\) 'Bad_Name' must be a Kubernetes namespace name/);
  });

  it('previews the example pipeline: expanded YAML on stdout; --check reports a typo as file:line and exits 1', () => {
    const run = cli('preview', 'examples/azure-pipelines.yml', '--repo', 'templates=.');
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^trigger:\n/);
    assert.match(run.stdout, /- stage: promote_prod\n/);
    assert.ok(!run.stdout.includes('${{'), 'every template expression is expanded');
    const all = cli(
      'preview',
      '--check',
      'examples/azure-pipelines.yml',
      ...fs.readdirSync(path.join(REPO_ROOT, 'examples', 'templates')).map((f) => `examples/templates/${f}`),
      '--repo',
      'templates=.',
    );
    assert.equal(all.status, 0, all.stderr);
    assert.match(all.stdout, /^5 pipeline files valid\.$/m);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'preview-'));
    fs.writeFileSync(
      path.join(dir, 'azure-pipelines.yml'),
      'trigger: none\npool:\n  vmImage: ubuntu-latest\nsteps:\n  - task: DeployObservability@0\n    inputs:\n      kubeconfig: k\n      storageBackend: s3\n',
    );
    const bad = cli('preview', '--check', path.join(dir, 'azure-pipelines.yml'));
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /azure-pipelines\.yml:8: steps\[0\]\.inputs\.storageBackend: must be one of: filesystem, azure-blob/);
    const unmapped = cli('preview', 'examples/azure-pipelines.yml');
    assert.equal(unmapped.status, 1);
    assert.match(unmapped.stderr, /names repository 'templates', which is not mapped to a local folder/);
  });

  it('has --help for the tool and for each command', () => {
    const top = cli('--help');
    assert.equal(top.status, 0);
    assert.match(top.stdout, /Commands:\n\s+plan\s+validate a stack file/);
    const plan = cli('plan', '--help');
    assert.match(plan.stdout, /Usage: gitops-stack plan <stack\.yaml> \[--json\]/);
  });
});
