import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { referenceDataDir } from '../../../test/cluster/reference-data';
import { TASK_DEFINITIONS } from '../../stack/task-definitions';
import type { Value } from '../expression';
import { compilePipelineSchema, extendedSchema, validatePipeline, type PipelineValidator } from '../validate-pipeline';

describe('pipeline validation against the official schema, extended with our tasks', function () {
  this.timeout(60000);
  let validate: PipelineValidator;
  const pipeline = (step: Value) => ({ trigger: ['main'], stages: [{ stage: 'dev', jobs: [{ job: 'promote', steps: [{ checkout: 'self' }, step] }] }] });

  before(() => {
    const file = path.join(referenceDataDir()!, 'azure-pipelines', 'service-schema.json');
    validate = compilePipelineSchema(extendedSchema(file, Object.values(TASK_DEFINITIONS)));
  });

  it('accepts a pipeline that uses our task with valid inputs', () => {
    assert.deepEqual(validatePipeline(validate, pipeline({ task: 'PromoteEnv@0', inputs: { configRepoUrl: 'https://x', apps: 'sample-app', targetEnvironment: 'staging', verify: false } })), []);
  });

  it('reports one clear problem for a misspelled input of ours', () => {
    const problems = validatePipeline(validate, pipeline({ task: 'PromoteEnv@0', inputs: { configRepoUrll: 'https://x', apps: 'a', targetEnvironment: 'staging' } }));
    assert.deepEqual(problems, [{ at: 'stages[0].jobs[0].steps[1].inputs', message: "unknown property 'configRepoUrll'" }]);
  });

  it('reports one clear problem for a misspelled pipeline key, not every anyOf alternative', () => {
    const problems = validatePipeline(validate, { trigger: ['main'], stages: [{ stage: 'dev', jobs: [{ job: 'a', stepz: [{ script: 'echo hi' }] }] }] });
    assert.ok(problems.length >= 1 && problems.length <= 3, JSON.stringify(problems));
    assert.ok(problems.some((p) => p.at === 'stages[0].jobs[0]' && p.message === "unknown property 'stepz'"), JSON.stringify(problems));
  });

  it('names a value outside a pickList of ours', () => {
    const problems = validatePipeline(validate, pipeline({ task: 'ProvisionAks@0', inputs: { azureSubscription: 'c', action: 'deploy', resourceGroup: 'rg', location: 'eastus', clusterName: 'c', registryName: 'acrname' } }));
    assert.deepEqual(problems, [{ at: 'stages[0].jobs[0].steps[1].inputs.action', message: 'must be one of: plan, apply, destroy' }]);
  });
});
