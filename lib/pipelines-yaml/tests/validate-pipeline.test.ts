import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { referenceDataDir } from '../../../test/cluster/reference-data';
import { TASK_DEFINITIONS } from '../../stack/task-definitions';
import type { Value } from '../expression';
import { loadPipelineValidator } from '../pipeline-schema';
import { validatePipeline, type PipelineProblem, type PipelineValidator } from '../validate-pipeline';

describe('pipeline validation against the official schema, extended with our tasks', function () {
  this.timeout(60000);
  let validate: PipelineValidator;
  const pipeline = (step: Value) => ({ trigger: ['main'], stages: [{ stage: 'dev', jobs: [{ job: 'promote', steps: [{ checkout: 'self' }, step] }] }] });

  const file = path.join(referenceDataDir()!, 'azure-pipelines', 'service-schema.json');
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'schema-cache-'));
  const withCache = <T>(body: () => T): T => {
    const previous = process.env.GITOPS_STACK_CACHE;
    process.env.GITOPS_STACK_CACHE = cache;
    try {
      return body();
    } finally {
      if (previous === undefined) delete process.env.GITOPS_STACK_CACHE;
      else process.env.GITOPS_STACK_CACHE = previous;
    }
  };
  const strip = (problems: PipelineProblem[]) => problems.map(({ at, message }) => ({ at, message }));

  before(() => {
    const loaded = withCache(() => loadPipelineValidator(file, Object.values(TASK_DEFINITIONS)));
    assert.equal(loaded.fromCache, false, 'compiled on first use');
    validate = loaded;
  });

  it('caches the compiled validator, which judges exactly as the freshly compiled one', () => {
    const cached = withCache(() => loadPipelineValidator(file, Object.values(TASK_DEFINITIONS)));
    assert.equal(cached.fromCache, true);
    const typo = pipeline({ task: 'PromoteEnv@0', inputs: { configRepoUrll: 'https://x', apps: 'a', targetEnvironment: 'staging' } });
    assert.deepEqual(validatePipeline(cached, typo), validatePipeline(validate, typo));
    assert.deepEqual(validatePipeline(cached, pipeline({ script: 'echo hi' })), []);
    const changedTask = {
      ...TASK_DEFINITIONS['promote-env'],
      inputs: [...TASK_DEFINITIONS['promote-env'].inputs, { name: 'newInput', type: 'string', label: 'New', required: false }],
    };
    assert.equal(withCache(() => loadPipelineValidator(file, [changedTask])).fromCache, false, 'a changed task.json is a new cache entry');
  });

  it('accepts a pipeline that uses our task with valid inputs', () => {
    assert.deepEqual(
      validatePipeline(
        validate,
        pipeline({ task: 'PromoteEnv@0', inputs: { configRepoUrl: 'https://x', apps: 'sample-app', targetEnvironment: 'staging', verify: false } }),
      ),
      [],
    );
  });

  it('reports one clear problem for a misspelled input of ours', () => {
    const problems = validatePipeline(
      validate,
      pipeline({ task: 'PromoteEnv@0', inputs: { configRepoUrll: 'https://x', apps: 'a', targetEnvironment: 'staging' } }),
    );
    assert.deepEqual(strip(problems), [{ at: 'stages[0].jobs[0].steps[1].inputs', message: "unknown property 'configRepoUrll'" }]);
  });

  it('reports one clear problem for a misspelled pipeline key, not every anyOf alternative', () => {
    const problems = validatePipeline(validate, { trigger: ['main'], stages: [{ stage: 'dev', jobs: [{ job: 'a', stepz: [{ script: 'echo hi' }] }] }] });
    assert.ok(problems.length >= 1 && problems.length <= 3, JSON.stringify(problems));
    assert.ok(
      problems.some((p) => p.at === 'stages[0].jobs[0]' && p.message === "unknown property 'stepz'"),
      JSON.stringify(problems),
    );
  });

  it('names a value outside a pickList of ours', () => {
    const problems = validatePipeline(
      validate,
      pipeline({
        task: 'ProvisionAks@0',
        inputs: { azureSubscription: 'c', action: 'deploy', resourceGroup: 'rg', location: 'eastus', clusterName: 'c', registryName: 'acrname' },
      }),
    );
    assert.deepEqual(strip(problems), [{ at: 'stages[0].jobs[0].steps[1].inputs.action', message: 'must be one of: plan, apply, destroy' }]);
  });
});
