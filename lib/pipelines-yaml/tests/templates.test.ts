import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { referenceDataDir } from '../../../test/cluster/reference-data';
import { REPO_ROOT } from '../../../test/harness/run-l0';
import { TASK_DEFINITIONS } from '../../stack/task-definitions';
import { loadPipelineValidator } from '../pipeline-schema';
import { previewPipeline } from '../preview';
import type { PipelineValidator } from '../validate-pipeline';

type Any = any;
const TEMPLATES = path.join(REPO_ROOT, 'templates');
const EXAMPLES = [
  path.join(REPO_ROOT, 'examples', 'azure-pipelines.yml'),
  ...fs.readdirSync(path.join(REPO_ROOT, 'examples', 'templates')).map((f) => path.join(REPO_ROOT, 'examples', 'templates', f)),
];
const templateFiles = () =>
  ['steps', 'jobs', 'stages', 'pipelines'].flatMap((kind) => fs.readdirSync(path.join(TEMPLATES, kind)).map((f) => path.join(TEMPLATES, kind, f)));

describe('pipeline templates, expanded and validated as Azure Pipelines would', function () {
  this.timeout(60000);
  let validator: PipelineValidator;
  const preview = (file: string, root = REPO_ROOT) => previewPipeline(file, { root, repositories: { templates: root }, validator });
  const steps = (job: Any): Any[] => job.steps ?? job.strategy.runOnce.deploy.steps;

  before(() => {
    validator = loadPipelineValidator(path.join(referenceDataDir()!, 'azure-pipelines', 'service-schema.json'), Object.values(TASK_DEFINITIONS));
  });

  it('every example that uses the templates expands and passes the official schema with our tasks', () => {
    assert.ok(EXAMPLES.length >= 5);
    for (const file of EXAMPLES) assert.deepEqual(preview(file).problems, [], file);
  });

  it('every template is used by an example, and says what it does and takes', () => {
    const used = new Set<string>();
    const collect = (file: string) => {
      for (const match of fs.readFileSync(file, 'utf8').matchAll(/template: ([^\s@]+)/g)) {
        const target = match[1].startsWith('/')
          ? path.join(REPO_ROOT, match[1])
          : match[1].startsWith('templates/')
            ? path.join(REPO_ROOT, match[1])
            : path.resolve(path.dirname(file), match[1]);
        if (!used.has(target)) {
          used.add(target);
          collect(target);
        }
      }
    };
    EXAMPLES.forEach(collect);
    for (const file of templateFiles()) {
      assert.ok(used.has(file), `${path.relative(REPO_ROOT, file)} is exercised by an example`);
      const text = fs.readFileSync(file, 'utf8');
      assert.match(text, /^# (steps|jobs|stages|pipelines)\/[a-z-]+\.yml: .+\n(#.*\n)*#\s+Parameters/m, `${file}: header comment with parameters`);
      const declared = parse(text).parameters as { name: string; type?: string }[];
      for (const p of declared) assert.ok(p.type, `${file}: parameter ${p.name} has a type`);
    }
  });

  it('the team pipeline is resources + extends: CI into dev, then one gated deployment stage per environment', () => {
    const { expanded } = preview(EXAMPLES[0]) as { expanded: Any };
    assert.deepEqual(
      expanded.stages.map((s: Any) => s.stage),
      ['ci', 'promote_staging', 'promote_prod'],
    );
    const ci = expanded.stages[0].jobs[0];
    const tasks = steps(ci).map((s: Any) => s.task ?? s.bash ?? s.script ?? s.checkout);
    assert.deepEqual(
      tasks.filter((t: string) => /@\d+$/.test(t)),
      ['NodeTool@0', 'Docker@2', 'PromoteEnv@0'],
    );
    const promoteDev = steps(ci).find((s: Any) => s.task === 'PromoteEnv@0');
    assert.deepEqual([promoteDev.inputs.image, promoteDev.inputs.targetEnvironment], ['$(image.ref)', 'dev']);
    const prod = expanded.stages[2];
    assert.deepEqual(
      prod.jobs.map((j: Any) => j.job ?? j.deployment),
      ['approve', 'promote_prod'],
    );
    assert.equal(prod.jobs[0].pool, 'server', 'manual validation runs agentless');
    assert.equal(prod.jobs[0].steps[0].inputs.notifyUsers, 'release-managers@contoso.com');
    assert.equal(prod.jobs[1].environment, 'prod', "the environment's approvals and checks gate the deployment job");
    const promoteProd = steps(prod.jobs[1]).find((s: Any) => s.task === 'PromoteEnv@0');
    assert.deepEqual([promoteProd.inputs.promotionOrder, promoteProd.inputs.targetEnvironment, promoteProd.inputs.verify], ['dev,staging,prod', 'prod', true]);
    assert.equal(expanded.stages[1].jobs.length, 1, 'staging has no manual validation configured');
  });

  it('bootstrap wires ProvisionAks outputs into DeployObservability and ArgoCDRegister in one job', () => {
    const { expanded } = preview(path.join(REPO_ROOT, 'examples', 'templates', 'pipeline-with-bootstrap.yml')) as { expanded: Any };
    assert.deepEqual(
      expanded.stages.map((s: Any) => s.stage),
      ['bootstrap', 'ci', 'promote_prod', 'trace'],
    );
    assert.deepEqual(expanded.stages[1].dependsOn, ['bootstrap']);
    const trace = expanded.stages[3];
    assert.deepEqual(
      [trace.condition, trace.dependsOn],
      ['always()', ['bootstrap', 'ci', 'promote_prod']],
      'the run export waits for every stage, failed or not',
    );
    assert.equal(trace.jobs[0].steps[1].task, 'ExportPipelineTrace@0');
    const [provision, observability, argocd] = steps(expanded.stages[0].jobs[0]).filter((s: Any) => s.task);
    assert.deepEqual(
      [provision.task, provision.name, observability.task, argocd.task],
      ['ProvisionAks@0', 'provision', 'DeployObservability@0', 'ArgoCDRegister@0'],
    );
    assert.equal(observability.inputs.kubeconfig, '$(provision.kubeconfigPath)');
    assert.equal(observability.inputs.storageAccountKey, '$(provision.storageAccountKey)');
    assert.equal(observability.inputs.environments, 'dev,prod');
    assert.deepEqual(parse(argocd.inputs.environments), [
      { name: 'dev', namespace: 'sample-app-dev' },
      { name: 'prod', namespace: 'sample-app-prod', sync: 'manual' },
    ]);
    const build = steps(expanded.stages[1].jobs[0]).find((s: Any) => s.task === 'AzureCLI@2');
    assert.equal(build.name, 'image', 'az acr build records the digest as image.ref too');
  });

  it("a typo in a template is reported once, at that template's file and line", () => {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'templates-'));
    fs.cpSync(TEMPLATES, path.join(copy, 'templates'), { recursive: true });
    fs.mkdirSync(path.join(copy, 'examples'));
    fs.copyFileSync(EXAMPLES[0], path.join(copy, 'examples', 'azure-pipelines.yml'));
    const broken = path.join(copy, 'templates', 'steps', 'promote.yml');
    const text = fs.readFileSync(broken, 'utf8').replace('      targetEnvironment: ${{', '      targetEnviroment: ${{');
    fs.writeFileSync(broken, text);
    const line = text.split('\n').findIndex((l) => l.includes('targetEnviroment:')) + 1;
    // The step template is used three times (dev, staging, prod): one problem, at its line.
    const { problems } = preview(path.join(copy, 'examples', 'azure-pipelines.yml'), copy);
    assert.deepEqual(problems, [{ file: broken, line, at: 'stages[0].jobs[0].steps[6].inputs', message: "unknown property 'targetEnviroment'" }]);
  });

  it('an unknown task is one clear message, and a bad parameter names its template and rule', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pipeline-'));
    const file = path.join(dir, 'azure-pipelines.yml');
    fs.writeFileSync(file, 'steps:\n  - script: echo hi\n  - task: PromoteEnvv@0\n    inputs:\n      apps: a\n');
    assert.deepEqual(preview(file).problems, [{ file, line: 3, at: 'steps[1].task', message: "unknown task 'PromoteEnvv@0'" }]);
    fs.writeFileSync(
      file,
      `steps:\n  - template: /templates/steps/promote.yml\n    parameters:\n      apps: a\n      targetEnvironment: dev\n      configRepoUrl: https://x\n      mode: merge\n`,
    );
    assert.throws(() => preview(file), /steps\/promote\.yml: parameter 'mode' is 'merge'; allowed values: push, pull-request\./);
  });
});
