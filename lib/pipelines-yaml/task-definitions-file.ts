import type { TaskDefinition } from '../pipeline/task-definition';
import { UserError } from '../user-error';

import { MiB, readTextFile } from '../read-text-file';

/**
 * Task definitions of other extensions' tasks (a JSON array of task.json-shaped objects: name,
 * version.Major, inputs with name and type), so `preview` checks their inputs as it checks ours
 * instead of refusing a task Azure DevOps would know once the extension is installed.
 */
export function readTaskDefinitions(file: string): TaskDefinition[] {
  const problem = (why: string) => new UserError(`--tasks ${file}: ${why}`);
  // A definitions file is a few task.json files' worth; anything larger is not one.
  const text = readTextFile(file, 4 * MiB, '--tasks');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw problem(`not JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(parsed)) throw problem('must be a JSON array of task definitions');
  return parsed.map((definition, at) => {
    const d = definition as Partial<TaskDefinition>;
    if (typeof d?.name !== 'string' || !/^[A-Za-z][\w-]*$/.test(d.name)) throw problem(`[${at}].name must be a task name`);
    if (!Number.isInteger(d.version?.Major)) throw problem(`[${at}] (${d.name}).version.Major must be a whole number`);
    if (!Array.isArray(d.inputs) || !d.inputs.every((i) => typeof i?.name === 'string' && typeof i?.type === 'string'))
      throw problem(`[${at}] (${d.name}).inputs must be a list of inputs, each with a name and a type`);
    return { id: d.id ?? '', friendlyName: d.friendlyName ?? d.name, description: d.description ?? '', execution: d.execution ?? {}, ...d } as TaskDefinition;
  });
}
