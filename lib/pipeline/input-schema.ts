import type { TaskDefinition, TaskInputDefinition } from './task-definition';

/** The JSON schema of one input's value, derived from its task.json declaration. */
export interface InputRule {
  schema: Record<string, unknown>;
  /** How the raw string becomes a typed value before validation. */
  kind: 'string' | 'boolean' | 'integer' | 'number';
  /** The rule in words, for error messages. */
  describe: string;
}

const IS_MATCH = /^isMatch\(\s*value\s*,\s*'((?:[^']|'')*)'\s*(?:,\s*'([A-Za-z, ]*)'\s*)?\)$/;
const IS_IN_RANGE = /^isInRange\(\s*value\s*,\s*(-?[0-9.]+)\s*,\s*(-?[0-9.]+)\s*\)$/;
const IS_URL = /^isUrl\(\s*value\s*\)$/;

/**
 * Rules of the input types the agent fills in itself (a path picked in the editor, a
 * service connection's id or name): no task.json expression, but still bounded.
 */
const TYPE_RULES: Record<string, { pattern: string; describe: string }> = {
  filePath: { pattern: '^[^\\x00-\\x1f\\x7f]{1,4096}$', describe: 'must be a path of at most 4096 characters without control characters' },
  connectedService: { pattern: '^[^\\x00-\\x1f\\x7f]{1,256}$', describe: 'must name a service connection (at most 256 characters, no control characters)' },
};

/**
 * Translates the task.json conventions into a JSON schema: boolean inputs,
 * pickList options (unless EditableOptions), and the `validation.expression`
 * functions isMatch, isInRange and isUrl. Every other input must have an
 * expression: an input without a rule, or an unknown expression, is a bug in
 * the task.json and throws (at build time), so a rule is never silently skipped.
 */
export function inputRule(input: TaskInputDefinition): InputRule {
  if (input.type === 'boolean') {
    return { kind: 'boolean', schema: { type: 'boolean' }, describe: 'must be true or false' };
  }
  if ((input.type === 'pickList' || input.type === 'radio') && input.options && input.properties?.EditableOptions !== 'True') {
    const allowed = Object.keys(input.options);
    return { kind: 'string', schema: { enum: allowed }, describe: `must be one of: ${allowed.join(', ')}` };
  }
  const expression = input.validation?.expression?.trim();
  if (!expression) {
    const byType = TYPE_RULES[input.type.split(':')[0]];
    if (!byType) throw new Error(`input '${input.name}': a ${input.type} input needs a validation expression in task.json`);
    return { kind: 'string', schema: { type: 'string', inputMatch: { pattern: byType.pattern, ignoreCase: false } }, describe: byType.describe };
  }

  const match = IS_MATCH.exec(expression);
  if (match) {
    const pattern = match[1].replace(/''/g, "'");
    const ignoreCase = /ignorecase/i.test(match[2] ?? '');
    return {
      kind: 'string',
      schema: { type: 'string', inputMatch: { pattern, ignoreCase } },
      describe: input.validation?.message ?? `must match ${pattern}`,
    };
  }
  const range = IS_IN_RANGE.exec(expression);
  if (range) {
    const [minimum, maximum] = [Number(range[1]), Number(range[2])];
    // Whole-number bounds mean a whole number: 1.5 nodes or 587.5 as a port is a mistake, not a rounding.
    const integer = Number.isInteger(minimum) && Number.isInteger(maximum);
    return {
      kind: integer ? 'integer' : 'number',
      schema: { type: integer ? 'integer' : 'number', minimum, maximum },
      describe: input.validation?.message ?? `must be ${integer ? 'a whole number' : 'a number'} from ${minimum} to ${maximum}`,
    };
  }
  if (IS_URL.test(expression)) {
    return {
      kind: 'string',
      schema: { type: 'string', inputUrl: true },
      describe: input.validation?.message ?? 'must be an absolute http or https URL without user:password@',
    };
  }
  throw new Error(`input '${input.name}': unsupported validation expression '${expression}'`);
}

/** The JSON schema of all of a task's inputs, after type conversion. */
export function inputsSchema(definition: TaskDefinition): Record<string, unknown> {
  const properties = Object.fromEntries(definition.inputs.map((input) => [input.name, inputRule(input).schema]));
  return { type: 'object', properties, additionalProperties: false };
}
