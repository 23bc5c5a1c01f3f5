import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { UserError } from '../user-error';
import { evaluateExpression, toBoolean, toText, type Context, type Value } from './expression';

/** A template's `parameters:` entry. */
interface ParameterDeclaration {
  name: string;
  type?: string;
  default?: Value;
  values?: Value[];
}

const WHOLE = /^\$\{\{(.*)\}\}$/s;
const EMBEDDED = /\$\{\{(.*?)\}\}/gs;
const DIRECTIVE = /^\$\{\{\s*(if|elseif|else|each|insert)\b(.*)\}\}$/s;
const LIST_TYPES = new Set(['stepList', 'jobList', 'deploymentList', 'stageList', 'object']);

export interface ExpandOptions {
  /** Where `template:` paths are resolved: relative to the including file; `/path` from this root; `path@alias` through `repositories`. */
  root: string;
  repositories?: Record<string, string>;
  /** Guards against templates that include themselves. */
  depth?: number;
}

/**
 * Expands a pipeline or template file: typed parameters with defaults and
 * `values:`, `${{ }}` values and interpolation, `if`/`elseif`/`else`, `each`
 * over sequences and mappings, `insert`, and `template:` references in steps,
 * jobs, stages, variables and `extends`.
 */
export function expandFile(file: string, parameters: Record<string, Value>, options: ExpandOptions): Value {
  if ((options.depth ?? 0) > 50) throw new UserError(`${file}: templates nest more than 50 deep (does one include itself?).`);
  let document: Value;
  try {
    document = parse(fs.readFileSync(file, 'utf8')) as Value;
  } catch (error) {
    throw new UserError(`${file}: ${(error as Error).message.split('\n')[0]}`);
  }
  if (!isMap(document)) throw new UserError(`${file}: a pipeline or template must be a mapping.`);
  const declared = (document.parameters ?? []) as Value;
  const context: Context = { parameters: bindParameters(file, declared, parameters), variables: {} };
  const { parameters: _declarations, ...body } = document;
  return expandNode(body, context, { ...options, file, depth: (options.depth ?? 0) + 1 });
}

type Scope = ExpandOptions & { file: string };

function isMap(v: Value): v is { [key: string]: Value } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bindParameters(file: string, declared: Value, given: Record<string, Value>): Record<string, Value> {
  const bound: Record<string, Value> = {};
  if (isMap(declared)) {
    // The old form: a mapping of names to defaults.
    for (const [name, value] of Object.entries(declared)) bound[name] = given[name] ?? value;
    return { ...bound, ...given };
  }
  if (!Array.isArray(declared)) throw new UserError(`${file}: 'parameters' must be a list of declarations.`);
  const known = new Set<string>();
  for (const entry of declared as unknown as ParameterDeclaration[]) {
    known.add(entry.name);
    const has = Object.prototype.hasOwnProperty.call(given, entry.name);
    if (!has && entry.default === undefined) throw new UserError(`${file}: parameter '${entry.name}' is required and has no default.`);
    const value = has ? given[entry.name] : entry.default!;
    checkType(file, entry, value);
    if (entry.values && !entry.values.some((allowed) => toText(allowed).toLowerCase() === toText(value).toLowerCase())) {
      throw new UserError(`${file}: parameter '${entry.name}' is '${toText(value)}'; allowed values: ${entry.values.map(toText).join(', ')}.`);
    }
    bound[entry.name] = value;
  }
  const unknown = Object.keys(given).filter((name) => !known.has(name));
  if (unknown.length) throw new UserError(`${file}: unexpected parameter '${unknown[0]}' (declared: ${[...known].join(', ') || 'none'}).`);
  return bound;
}

function checkType(file: string, entry: ParameterDeclaration, value: Value): void {
  const type = entry.type ?? 'string';
  const wrong = (what: string) => new UserError(`${file}: parameter '${entry.name}' must be ${what}, not ${JSON.stringify(value)}.`);
  if (type === 'boolean' && typeof value !== 'boolean' && !/^(true|false)$/i.test(String(value))) throw wrong('a boolean');
  if (type === 'number' && Number.isNaN(Number(value))) throw wrong('a number');
  if (type === 'string' && (Array.isArray(value) || isMap(value))) throw wrong('a string');
  if (LIST_TYPES.has(type) && type !== 'object' && !Array.isArray(value)) throw wrong(`a list (${type})`);
  if (['step', 'job', 'deployment', 'stage'].includes(type) && !isMap(value)) throw wrong(`a mapping (${type})`);
}

function evaluate(text: string, context: Context, scope: Scope): Value {
  try {
    return evaluateExpression(text.trim(), context);
  } catch (error) {
    throw new UserError(`${scope.file}: ${(error as Error).message}`);
  }
}

function expandString(value: string, context: Context, scope: Scope): Value {
  const whole = WHOLE.exec(value.trim());
  if (whole && !whole[1].includes('}}')) return evaluate(whole[1], context, scope);
  return value.replace(EMBEDDED, (_, expression: string) => toText(evaluate(expression, context, scope)));
}

function expandNode(node: Value, context: Context, scope: Scope): Value {
  if (typeof node === 'string') return expandString(node, context, scope);
  if (Array.isArray(node)) return expandSequence(node, context, scope);
  if (isMap(node)) return expandMapping(node, context, scope);
  return node;
}

/** Sequence items may be directives (`- ${{ if ... }}:`), template references, or plain items. */
function expandSequence(items: Value[], context: Context, scope: Scope): Value[] {
  const out: Value[] = [];
  let chain: 'taken' | 'open' | 'none' = 'none';
  for (const item of items) {
    const keys = isMap(item) ? Object.keys(item) : [];
    const directive = keys.length === 1 ? DIRECTIVE.exec(keys[0].trim()) : null;
    if (directive && isMap(item)) {
      const [, kind, rest] = directive;
      const body = item[keys[0]];
      const expanded = (): Value[] => {
        const value = expandNode(body, context, scope);
        return Array.isArray(value) ? value : value === null ? [] : [value];
      };
      if (kind === 'if') {
        chain = toBoolean(evaluate(rest, context, scope)) ? 'taken' : 'open';
        if (chain === 'taken') out.push(...expanded());
      } else if (kind === 'elseif' || kind === 'else') {
        if (chain === 'none') throw new UserError(`${scope.file}: '${kind}' without a preceding 'if'.`);
        if (chain === 'open' && (kind === 'else' || toBoolean(evaluate(rest, context, scope)))) {
          chain = 'taken';
          out.push(...expanded());
        }
        if (kind === 'else') chain = 'none';
      } else if (kind === 'each') {
        chain = 'none';
        for (const [variable, entry] of eachEntries(rest, context, scope)) {
          const value = expandNode(body, { ...context, [variable]: entry }, scope);
          out.push(...(Array.isArray(value) ? value : [value]));
        }
      } else throw new UserError(`${scope.file}: 'insert' belongs in a mapping, not a list.`);
      continue;
    }
    chain = 'none';
    if (isMap(item) && typeof item.template === 'string' && keys.every((k) => k === 'template' || k === 'parameters')) {
      const included = includeTemplate(item.template, (expandNode(item.parameters ?? {}, context, scope) ?? {}) as Record<string, Value>, scope);
      const list = firstList(included);
      out.push(...list);
      continue;
    }
    out.push(expandNode(item, context, scope));
  }
  return out;
}

function expandMapping(map: { [key: string]: Value }, context: Context, scope: Scope): Value {
  const out: { [key: string]: Value } = {};
  let chain: 'taken' | 'open' | 'none' = 'none';
  for (const [key, value] of Object.entries(map)) {
    const directive = DIRECTIVE.exec(key.trim());
    if (directive) {
      const [, kind, rest] = directive;
      const merge = (v: Value) => {
        const expanded = expandNode(v, context, scope);
        if (expanded !== null && !isMap(expanded)) throw new UserError(`${scope.file}: '${key}' in a mapping must hold a mapping.`);
        Object.assign(out, expanded ?? {});
      };
      if (kind === 'if') {
        chain = toBoolean(evaluate(rest, context, scope)) ? 'taken' : 'open';
        if (chain === 'taken') merge(value);
      } else if (kind === 'elseif' || kind === 'else') {
        if (chain === 'none') throw new UserError(`${scope.file}: '${kind}' without a preceding 'if'.`);
        if (chain === 'open' && (kind === 'else' || toBoolean(evaluate(rest, context, scope)))) {
          chain = 'taken';
          merge(value);
        }
        if (kind === 'else') chain = 'none';
      } else if (kind === 'insert') {
        chain = 'none';
        merge(value);
      } else {
        chain = 'none';
        for (const [variable, entry] of eachEntries(rest, context, scope)) {
          const expanded = expandNode(value, { ...context, [variable]: entry }, scope);
          if (isMap(expanded)) Object.assign(out, expanded);
        }
      }
      continue;
    }
    chain = 'none';
    const name = toText(expandString(key, context, scope));
    if (name === 'extends' && isMap(value) && typeof value.template === 'string') {
      const included = includeTemplate(value.template, (expandNode(value.parameters ?? {}, context, scope) ?? {}) as Record<string, Value>, scope);
      if (!isMap(included)) throw new UserError(`${scope.file}: the extended template must be a pipeline mapping.`);
      Object.assign(out, included);
      continue;
    }
    out[name] = expandNode(value, context, scope);
  }
  return out;
}

/** `each x in collection`: a sequence's items, or a mapping's entries as { key, value }. */
function eachEntries(rest: string, context: Context, scope: Scope): [string, Value][] {
  const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s+in\s+(.+)$/s.exec(rest);
  if (!match) throw new UserError(`${scope.file}: 'each' must read 'each <name> in <expression>'.`);
  const collection = evaluate(match[2], context, scope);
  if (Array.isArray(collection)) return collection.map((item) => [match[1], item]);
  if (isMap(collection)) return Object.entries(collection).map(([key, value]) => [match[1], { key, value }]);
  if (collection === null) return [];
  throw new UserError(`${scope.file}: 'each' needs a sequence or a mapping, not ${JSON.stringify(collection)}.`);
}

function includeTemplate(reference: string, parameters: Record<string, Value>, scope: Scope): Value {
  const [file, alias] = reference.split('@');
  let base: string;
  if (alias && alias !== 'self') {
    base = scope.repositories?.[alias] ?? '';
    if (!base) throw new UserError(`${scope.file}: template '${reference}' names repository '${alias}', which is not mapped to a local folder.`);
  } else base = file.startsWith('/') ? scope.root : path.dirname(scope.file);
  const target = path.join(base, file.replace(/^\//, ''));
  if (!fs.existsSync(target)) throw new UserError(`${scope.file}: template '${reference}' not found (${path.relative(scope.root, target) || target}).`);
  return expandFile(target, parameters, { ...scope, depth: (scope.depth ?? 0) + 1 });
}

/** A steps/jobs/stages/variables template contributes its one list. */
function firstList(template: Value): Value[] {
  if (Array.isArray(template)) return template;
  if (isMap(template)) {
    for (const key of ['steps', 'jobs', 'stages', 'variables']) if (Array.isArray(template[key])) return template[key] as Value[];
  }
  return [];
}
