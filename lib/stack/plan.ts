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
}

/**
 * What each task of the stack would be run with and would do. Inputs pass the
 * same task.json validation as on the agent, so a stack that plans cleanly
 * gives every task inputs it accepts.
 */
export function planStack(stack: Stack, host: Pick<TaskHost, 'setSecret'>): PlannedStep[] {
  return stackSteps(stack).map((step) => {
    const definition = TASK_DEFINITIONS[step.task];
    const inputs = readInputs(definition, compileInputValidator(definition), { getInput: (name) => step.inputs[name], setSecret: (v) => host.setSecret(v) }, { deferMacros: true });
    return { task: step.task, title: step.title, inputs, actions: describeTask(step.task, inputs) };
  });
}
