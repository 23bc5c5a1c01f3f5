import type { ErrorObject } from 'ajv';
import { UserError } from '../user-error';
import { inputRule, type InputRule } from './input-schema';
import type { InputValidator } from './input-validator';
import type { TaskDefinition } from './task-definition';
import { isVisible } from './visible-rule';

export type InputValue = string | boolean | number | undefined;
export type InputValues = Record<string, InputValue>;

/** Where raw input strings come from: the agent's INPUT_ variables, or the CLI's flags and stack file. */
export interface InputSource {
  /** `secret`: read without echoing the value anywhere, even to the debug log. */
  getInput(name: string, secret?: boolean): string | undefined;
  setSecret(value: string): void;
}

export interface ReadOptions {
  /** Accept `$(variable)` values unchecked: the plan shows inputs that only exist at run time. */
  deferMacros?: boolean;
}

const PIPELINE_MACRO = /^\$\([A-Za-z0-9_.-]+\)$/;

/**
 * Reads every input declared in task.json, applies defaults (hidden inputs' too, as
 * the agent does), converts types and validates them all before the task changes anything.
 * `required` counts only where the input's visibleRule shows it. Secret inputs are
 * registered the moment they are read. Throws one UserError listing every bad
 * input in task.json order, each with its name and rule.
 */
export function readInputs<T extends InputValues>(definition: TaskDefinition, validate: InputValidator, source: InputSource, options: ReadOptions = {}): T {
  const rules = new Map(definition.inputs.map((input) => [input.name, inputRule(input)]));
  const raw: Record<string, string | undefined> = {};
  for (const input of definition.inputs) {
    const secret = input.properties?.isSecret === 'true';
    const given = source.getInput(input.name, secret)?.trim();
    const value = given ? given : input.defaultValue?.trim() || undefined;
    if (value !== undefined && secret && !PIPELINE_MACRO.test(value)) source.setSecret(value);
    raw[input.name] = value;
  }

  // Each problem keeps its input's position in task.json: the report follows that order.
  const problems: { at: number; text: string }[] = [];
  const typed: InputValues = {};
  definition.inputs.forEach((input, at) => {
    const value = raw[input.name];
    const visible = isVisible(input.visibleRule, raw);
    if (value === undefined) {
      if (input.required && visible) problems.push({ at, text: `Input required: '${input.name}' (${input.label}).` });
      return;
    }
    // A visibleRule only hides an input in the classic editor: the agent passes a hidden input's
    // default, and any value a YAML pipeline gives it, so both are read and checked like any other.
    if (PIPELINE_MACRO.test(value)) {
      // The agent leaves `$(name)` as is when no such variable exists.
      if (options.deferMacros) typed[input.name] = value;
      else problems.push({ at, text: `Input '${input.name}' (${input.label}) is '${value}': no variable of that name is defined in this run.` });
      return;
    }
    typed[input.name] = convert(value, rules.get(input.name)!.kind);
  });
  const checked = Object.fromEntries(Object.entries(typed).filter(([, v]) => !(typeof v === 'string' && PIPELINE_MACRO.test(v))));
  if (!validate(checked)) {
    for (const error of validate.errors ?? []) problems.push(describeError(error, definition, rules, typed));
  }
  if (problems.length > 0)
    throw new UserError(
      problems
        .sort((a, b) => a.at - b.at)
        .map((p) => p.text)
        .join('\n'),
    );
  return typed as T;
}

function convert(value: string, kind: InputRule['kind']): InputValue | string {
  if (kind === 'boolean') {
    const lower = value.toLowerCase();
    return lower === 'true' ? true : lower === 'false' ? false : value;
  }
  // Decimal notation only: Number() would also take 0x10, 1e3 and ' 5 '.
  if (kind === 'integer') return /^[+-]?[0-9]{1,15}$/.test(value) ? Number(value) : value;
  if (kind === 'number') return /^[+-]?[0-9]{1,15}(\.[0-9]{1,15})?$/.test(value) ? Number(value) : value;
  return value;
}

function describeError(error: ErrorObject, definition: TaskDefinition, rules: Map<string, InputRule>, typed: InputValues): { at: number; text: string } {
  const name = error.instancePath.replace(/^\//, '');
  const at = definition.inputs.findIndex((i) => i.name === name);
  if (at < 0) return { at: definition.inputs.length, text: `Inputs: ${error.message}` };
  const input = definition.inputs[at];
  const shown = input.properties?.isSecret === 'true' ? '(secret)' : `'${printable(String(typed[name]))}'`;
  return { at, text: `Input '${name}' (${input.label}) ${shown} ${rules.get(name)!.describe}.` };
}

const ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** A refused value as an error shows it: control characters escaped (one line), at most 100 characters. */
function printable(value: string): string {
  const cut = value.length > 100 ? `${value.slice(0, 80)}… (${value.length} characters)` : value;
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  return cut.replace(/[\x00-\x1f\x7f]/g, (c) => ESCAPES[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
