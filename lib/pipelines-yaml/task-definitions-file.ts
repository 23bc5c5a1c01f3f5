import * as fs from 'node:fs';
import type { TaskDefinition } from '../pipeline/task-definition';
import { UserError } from '../user-error';

/** A definitions file is a few task.json files' worth; anything larger is not one. */
const MAX_BYTES = 4 * 1024 * 1024;

/**
 * Task definitions of other extensions' tasks (a JSON array of task.json-shaped objects: name,
 * version.Major, inputs with name and type), so `preview` checks their inputs as it checks ours
 * instead of refusing a task Azure DevOps would know once the extension is installed.
 */
export function readTaskDefinitions(file: string): TaskDefinition[] {
  const problem = (why: string) => new UserError(`--tasks ${file}: ${why}`);
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch {
    throw problem('no such file');
  }
  if (size > MAX_BYTES) throw problem(`larger than ${MAX_BYTES / 1024 / 1024} MB`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
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
