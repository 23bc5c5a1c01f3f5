import * as fs from 'node:fs';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { TaskDefinition } from '../pipeline/task-definition';
import type { Value } from './expression';

// The official schema is walked generically (any keyword at any depth); typing each keyword would only restate JSON Schema.
type Schema = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * The official Azure Pipelines schema, extended with our tasks: each gets its
 * name in the task list and an entry whose `inputs` come from its task.json, so
 * a misspelled input of ours is caught like one of Microsoft's tasks.
 */
export function extendedSchema(serviceSchemaFile: string, tasks: TaskDefinition[]): Schema {
  const schema = JSON.parse(fs.readFileSync(serviceSchemaFile, 'utf8')) as Schema;
  const task = schema.definitions.task;
  for (const definition of tasks) {
    const name = `${definition.name}@${definition.version.Major}`;
    task.properties.task.anyOf.push({ description: definition.friendlyName, ignoreCase: 'value', enum: [name] });
    const properties = Object.fromEntries(
      definition.inputs.map((input) => [
        input.name,
        input.type === 'boolean'
          ? { type: 'boolean', description: input.label }
          : input.type === 'pickList' && input.options && input.properties?.EditableOptions !== 'True'
            ? { description: input.label, enum: Object.keys(input.options) }
            : { type: 'string', description: input.label },
      ]),
    );
    const required = definition.inputs.filter((i) => i.required && !i.visibleRule && i.defaultValue === undefined).map((i) => i.name);
    task.anyOf.push({
      properties: {
        task: { pattern: `^${name.replace('.', '\\.')}$`, description: definition.friendlyName },
        inputs: { description: `${definition.name} inputs`, properties, additionalProperties: false, required },
      },
      required: ['task'],
    });
  }
  // anyOf validates a step against all ~260 task branches; if/then tests one pattern per branch and
  // validates only the step's own task: the same verdicts, about ten times faster. (`task.properties.task`
  // still refuses a task name no branch knows.)
  task.allOf = (task.anyOf as Schema[]).map((branch) => ({ if: { properties: { task: branch.properties.task }, required: ['task'] }, then: branch }));
  delete task.anyOf;
  return schema;
}

export interface PipelineValidator {
  validate: ValidateFunction;
  /** Per `definitions.task.allOf` branch, the task name it describes. */
  taskPatterns: RegExp[];
}

export interface PipelineProblem {
  /** Where, as a path like stages[0].jobs[0].steps[1].inputs. */
  at: string;
  /** The same place as a JSON pointer, to find its source line. */
  pointer: string;
  message: string;
}

const WEIGHT: Record<string, number> = { additionalProperties: 0, required: 1, enum: 2, type: 3, const: 4, pattern: 5 };

function readable(instancePath: string): string {
  return (
    instancePath
      .split('/')
      .slice(1)
      .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '') || '(top)'
  );
}

/**
 * Validates an expanded pipeline and ranks the schema's errors: anyOf over
 * every step and job kind yields dozens of alternatives for one typo, so per
 * step, job or stage only the deepest, most specific ones are kept, and the
 * "task is not this other task" alternatives are dropped whenever something more
 * specific exists.
 */
export function validatePipeline({ validate, taskPatterns }: PipelineValidator, expanded: Value): PipelineProblem[] {
  // Type coercion rewrites values in place: validate a copy, so what is printed stays as written.
  const pipeline = structuredClone(expanded);
  if (validate(pipeline)) return [];
  // An error inside one task's branch only matters for a step of that task.
  const ofThisTask = (e: ErrorObject) => {
    const branch = /^#\/definitions\/task\/allOf\/(\d+)\//.exec(e.schemaPath);
    if (!branch) return true;
    const stepPath = /^(.*\/steps\/\d+)/.exec(e.instancePath)?.[1];
    const step = stepPath ? pointer(pipeline, stepPath) : undefined;
    const task = step && typeof step === 'object' && !Array.isArray(step) ? (step as Record<string, Value>).task : undefined;
    return typeof task === 'string' && taskPatterns[Number(branch[1])].test(task);
  };
  const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf' && e.keyword !== 'if' && ofThisTask(e));
  // A task name no branch knows fails each task's `enum`: one message, not hundreds.
  const unknownTask = errors.find((e) => e.keyword === 'enum' && /\/steps\/\d+\/task$/.test(e.instancePath));
  if (unknownTask)
    return [
      {
        at: readable(unknownTask.instancePath),
        pointer: unknownTask.instancePath,
        message: `unknown task '${String(pointer(pipeline, unknownTask.instancePath))}'`,
      },
    ];
  // Rank per step, job or stage: an item's own errors, unless an item inside it has errors (then the
  // outer one's are only its other anyOf alternatives failing because of the inner one).
  const itemOf = (e: ErrorObject) => /^(.*\/(?:steps|jobs|stages)\/\d+)/.exec(e.instancePath)?.[1] ?? '';
  const groups = new Map<string, ErrorObject[]>();
  for (const e of errors) groups.set(itemOf(e), [...(groups.get(itemOf(e)) ?? []), e]);
  const leaves = [...groups.keys()].filter((item) => ![...groups.keys()].some((other) => other !== item && other.startsWith(`${item}/`)));
  const problems: PipelineProblem[] = [];
  const seen = new Set<string>();
  for (const item of leaves) {
    const group = groups.get(item)!;
    const specific = group.filter(
      (e) =>
        !(e.keyword === 'pattern' && e.instancePath.endsWith('/task')) && !(e.keyword === 'additionalProperties' && e.params.additionalProperty === 'task'),
    );
    const pool = specific.length ? specific : group;
    const depth = (e: ErrorObject) => e.instancePath.split('/').length;
    const deepest = Math.max(...pool.map(depth));
    const best = pool.filter((e) => depth(e) === deepest).sort((a, b) => (WEIGHT[a.keyword] ?? 9) - (WEIGHT[b.keyword] ?? 9));
    const keyword = best[0]?.keyword;
    for (const e of best.filter((x) => x.keyword === keyword)) {
      const message =
        e.keyword === 'additionalProperties'
          ? `unknown property '${String(e.params.additionalProperty)}'`
          : e.keyword === 'required'
            ? `missing '${String(e.params.missingProperty)}'`
            : e.keyword === 'enum'
              ? `must be one of: ${(e.params.allowedValues as unknown[]).join(', ')}`
              : (e.message ?? e.keyword);
      const key = `${e.instancePath} ${message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      // An unknown property is found at its own line, not its parent's.
      const pointer =
        e.keyword === 'additionalProperties'
          ? `${e.instancePath}/${String(e.params.additionalProperty).replace(/~/g, '~0').replace(/\//g, '~1')}`
          : e.instancePath;
      problems.push({ at: readable(e.instancePath), pointer, message });
    }
  }
  return problems;
}

function pointer(value: Value, path: string): Value | undefined {
  let current: Value | undefined = value;
  for (const part of path.split('/').slice(1)) {
    if (current === null || typeof current !== 'object') return undefined;
    current = Array.isArray(current) ? current[Number(part)] : (current as Record<string, Value>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return current;
}
