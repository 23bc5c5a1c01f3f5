import * as path from 'node:path';
import type { Layout } from '../gitops/environment-path';
import { previewPromotion } from '../gitops/preview-promotion';
import { compileInputValidator } from '../pipeline/input-validator';
import { readInputs, type InputValues } from '../pipeline/read-inputs';
import type { TaskHost } from '../pipeline/task-host';
import type { Stack } from './stack';
import { describeTask } from './describe-task';
import { TASK_DEFINITIONS } from './task-definitions';
import { stackSteps } from './task-inputs';

export interface PlannedStep {
  task: string;
  title: string;
  inputs: InputValues;
  actions: string[];
  /** For a promotion, the diff it would make against the stack's preview folder. */
  diff?: string;
}

/**
 * What each task of the stack would be run with and would do. Inputs pass the
 * same task.json validation as on the agent, so a stack that plans cleanly
 * gives every task inputs it accepts.
 */
export async function planStack(stack: Stack, host: Pick<TaskHost, 'setSecret'>, stackDir = '.'): Promise<PlannedStep[]> {
  const planned: PlannedStep[] = [];
  for (const step of stackSteps(stack)) {
    const definition = TASK_DEFINITIONS[step.task];
    const inputs = readInputs(
      definition,
      compileInputValidator(definition),
      { getInput: (name) => step.inputs[name], setSecret: (v) => host.setSecret(v) },
      { deferMacros: true },
    );
    const entry: PlannedStep = { task: step.task, title: step.title, inputs, actions: describeTask(step.task, inputs) };
    if (step.task === 'promote-env' && stack.configRepo.previewPath && inputs.sourceEnvironment) {
      entry.diff = await previewPromotion(path.resolve(stackDir, stack.configRepo.previewPath), {
        apps: stack.apps,
        sourceEnvironment: String(inputs.sourceEnvironment),
        targetEnvironment: String(inputs.targetEnvironment),
        layout: inputs.layout as Layout,
        pathPattern: String(inputs.pathPattern),
        helmImageKey: String(inputs.helmImageKey),
        author: { name: 'plan', email: 'plan@localhost' },
        messageTemplate: 'preview',
        trailers: {},
        pushRetries: 0,
      });
    }
    planned.push(entry);
  }
  return planned;
}
