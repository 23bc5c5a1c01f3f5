import type { InputValidator } from '../pipeline/input-validator';
import { readInputs } from '../pipeline/read-inputs';
import type { TaskDefinition } from '../pipeline/task-definition';
import type { TaskHost } from '../pipeline/task-host';
import { UserError } from '../user-error';
import { describeTask } from './describe-task';

/**
 * What a task does until its own issue lands: validate every input exactly as
 * the finished task will, show what it would do, and stop with a clear failure
 * rather than pretend to have changed anything.
 */
export async function previewTask(host: TaskHost, task: string, definition: TaskDefinition, validate: InputValidator): Promise<never> {
  const inputs = readInputs(definition, validate, host);
  host.progress(50, 'inputs validated');
  const actions = describeTask(task, inputs);
  await host.group(`${definition.friendlyName}: what this task would do`, async () => {
    for (const line of actions) host.info(line);
  });
  host.summary(`${definition.friendlyName}: plan`, actions.map((line) => (line.startsWith('  ') ? `  ${line.trim()}` : `- ${line}`)).join('\n'));
  const { Major, Minor, Patch } = definition.version;
  throw new UserError(`${definition.name} ${Major}.${Minor}.${Patch} validates its inputs and shows its plan, but cannot apply changes yet; use a later version of the extension.`);
}
