import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expandFile } from '../expand-template';

function tree(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'templates-'));
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  }
  return root;
}

const FILES = {
  'templates/steps/promote.yml': `
parameters:
  - name: environment
    type: string
    values: [dev, staging, prod]
  - name: apps
    type: object
    default: [sample-app]
  - name: verify
    type: boolean
    default: true
steps:
  - \${{ each app in parameters.apps }}:
    - script: echo promote \${{ app }} to \${{ parameters.environment }}
      displayName: Promote \${{ upper(app) }}
  - \${{ if parameters.verify }}:
    - script: echo verify
  - \${{ else }}:
    - script: echo skip verification
`,
  'templates/jobs/deploy.yml': `
parameters:
  - name: environment
    type: string
  - name: settings
    type: object
    default: {}
jobs:
  - deployment: deploy_\${{ parameters.environment }}
    environment: \${{ parameters.environment }}
    variables:
      \${{ each setting in parameters.settings }}:
        \${{ setting.key }}: \${{ setting.value }}
    strategy:
      runOnce:
        deploy:
          steps:
            - template: ../steps/promote.yml
              parameters:
                environment: \${{ parameters.environment }}
                verify: \${{ ne(parameters.environment, 'dev') }}
`,
  'templates/pipelines/gitops.yml': `
parameters:
  - name: environments
    type: object
    default: [dev, staging]
  - name: pool
    type: object
    default: {vmImage: ubuntu-latest}
stages:
  - \${{ each env in parameters.environments }}:
    - stage: \${{ env }}
      pool:
        \${{ insert }}: \${{ parameters.pool }}
      jobs:
        - template: /templates/jobs/deploy.yml
          parameters:
            environment: \${{ env }}
            settings: {region: eastus}
`,
  'azure-pipelines.yml': `
trigger: [main]
extends:
  template: templates/pipelines/gitops.yml
  parameters:
    environments: [dev, prod]
`,
};

describe('template expansion', () => {
  const root = tree(FILES);
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('expands extends, each over lists and mappings, insert, if/else, nested template references and typed parameters', () => {
    const pipeline = expandFile(path.join(root, 'azure-pipelines.yml'), {}, { root });
    assert.deepEqual(pipeline, {
      trigger: ['main'],
      stages: ['dev', 'prod'].map((env) => ({
        stage: env,
        pool: { vmImage: 'ubuntu-latest' },
        jobs: [
          {
            deployment: `deploy_${env}`,
            environment: env,
            variables: { region: 'eastus' },
            strategy: {
              runOnce: {
                deploy: {
                  steps: [
                    { script: `echo promote sample-app to ${env}`, displayName: 'Promote SAMPLE-APP' },
                    { script: env === 'dev' ? 'echo skip verification' : 'echo verify' },
                  ],
                },
              },
            },
          },
        ],
      })),
    });
  });

  it('keeps a whole-value expression typed and interpolates embedded ones as text', () => {
    const out = expandFile(path.join(root, 'templates/steps/promote.yml'), { environment: 'prod', apps: ['a', 'b'], verify: false }, { root }) as {
      steps: { script: string }[];
    };
    assert.deepEqual(
      out.steps.map((s) => s.script),
      ['echo promote a to prod', 'echo promote b to prod', 'echo skip verification'],
    );
  });

  it('refuses parameters that break the declaration, naming the file and parameter', () => {
    const steps = path.join(root, 'templates/steps/promote.yml');
    assert.throws(
      () => expandFile(steps, { environment: 'qa' }, { root }),
      /promote\.yml: parameter 'environment' is 'qa'; allowed values: dev, staging, prod\./,
    );
    assert.throws(() => expandFile(steps, {}, { root }), /parameter 'environment' is required and has no default/);
    assert.throws(() => expandFile(steps, { environment: 'dev', colour: 'red' }, { root }), /unexpected parameter 'colour'/);
    assert.throws(() => expandFile(steps, { environment: 'dev', verify: 'maybe' }, { root }), /parameter 'verify' must be a boolean/);
  });

  it('names a missing template and an else without if', () => {
    const broken = tree({ 'p.yml': 'steps:\n  - template: nope.yml\n', 'q.yml': 'steps:\n  - ${{ else }}:\n    - script: x\n' });
    assert.throws(() => expandFile(path.join(broken, 'p.yml'), {}, { root: broken }), /p\.yml: template 'nope\.yml' not found/);
    assert.throws(() => expandFile(path.join(broken, 'q.yml'), {}, { root: broken }), /'else' without a preceding 'if'/);
  });
});

describe('template expansion on hostile pipelines: inside the repository, within Azure Pipelines limits', () => {
  const SECRET = 'root:x:0:0:do-not-print';

  it('never opens a template outside its repository folder, by .., by /.., by @self or by a link', () => {
    const outside = tree({ 'outside/x.yml': `steps:\n  - script: ${SECRET}\n` });
    const repo = path.join(outside, 'repo');
    fs.mkdirSync(repo);
    fs.symlinkSync(path.join(outside, 'outside/x.yml'), path.join(repo, 'link.yml'));
    for (const reference of ['../outside/x.yml', '/../outside/x.yml', '../outside/x.yml@self', 'link.yml', '../../../../../../../etc/passwd']) {
      fs.writeFileSync(path.join(repo, 'p.yml'), `steps:\n  - template: ${reference}\n`);
      assert.throws(
        () => expandFile(path.join(repo, 'p.yml'), {}, { root: repo }),
        (e: Error) => e.name === 'UserError' && !e.message.includes(SECRET) && /leads outside its repository's folder|not found/.test(e.message),
        reference,
      );
    }
    fs.writeFileSync(path.join(repo, 'p.yml'), 'steps:\n  - template: x.yml@other\n');
    assert.throws(() => expandFile(path.join(repo, 'p.yml'), {}, { root: repo, repositories: { other: repo } }), /not found/);
  });

  it('stops an alias bomb and a huge each at the expansion limit, fast, naming the file', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 7; i++)
      levels.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(',')}]`,
      );
    const bomb = tree({ 'p.yml': `variables:\n  ${levels.join('\n  ')}\nsteps: []\n` });
    const started = Date.now();
    assert.throws(() => expandFile(path.join(bomb, 'p.yml'), {}, { root: bomb }), /p\.yml:\d+:\d+: this file expands to more than 200,000 values/);
    const each = tree({
      'p.yml': `parameters:\n  - name: n\n    type: object\n    default: [${Array(2000).fill('1').join(',')}]\nsteps:\n  - \${{ each a in parameters.n }}:\n    - \${{ each b in parameters.n }}:\n      - script: x\n`,
    });
    assert.throws(() => expandFile(path.join(each, 'p.yml'), {}, { root: each }), /p\.yml: the expanded pipeline has more than 1,000,000 values/);
    assert.ok(Date.now() - started < 60_000, 'both stop well before a minute');
  });

  it('counts nesting once per file, stops at 100 levels and at 100 files', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 100; i++) files[`t${i}.yml`] = `steps:\n  - template: t${i + 1}.yml\n`;
    files['t100.yml'] = 'steps:\n  - script: deepest\n';
    const deep = tree(files);
    assert.throws(() => expandFile(path.join(deep, 't0.yml'), {}, { root: deep }), /t100\.yml: templates nest more than 100 levels deep/);
    assert.doesNotThrow(() => expandFile(path.join(deep, 't1.yml'), {}, { root: deep }), '100 levels are allowed');
    const wide: Record<string, string> = { 'p.yml': `steps:\n${Array.from({ length: 99 }, (_, i) => `  - template: s${i}.yml`).join('\n')}\n` };
    for (let i = 0; i < 99; i++) wide[`s${i}.yml`] = 'steps:\n  - template: same.yml\n';
    wide['same.yml'] = 'steps:\n  - script: x\n';
    const root = tree(wide);
    assert.throws(() => expandFile(path.join(root, 'p.yml'), {}, { root }), /s98\.yml: the pipeline uses more than 100 separate YAML files/);
    fs.rmSync(path.join(root, 's98.yml'));
    fs.writeFileSync(path.join(root, 'p.yml'), fs.readFileSync(path.join(root, 'p.yml'), 'utf8').replace('  - template: s98.yml\n', ''));
    assert.doesNotThrow(() => expandFile(path.join(root, 'p.yml'), {}, { root }), '100 files: the pipeline, 98 templates and one included 98 times');
  });

  it('refuses a template file over 2 MiB, and a device', () => {
    const big = tree({ 'p.yml': 'steps:\n  - template: big.yml\n', 'big.yml': `steps: []\n#${'x'.repeat(2 * 1024 * 1024)}\n` });
    assert.throws(() => expandFile(path.join(big, 'p.yml'), {}, { root: big }), /Pipeline file: '.*big\.yml' is larger than 2 MiB/);
    assert.throws(() => expandFile('/dev/zero', {}, { root: '/dev' }), /Pipeline file: '\/dev\/zero' is not a regular file/);
  });
});
