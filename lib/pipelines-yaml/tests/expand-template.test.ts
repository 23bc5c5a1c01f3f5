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
