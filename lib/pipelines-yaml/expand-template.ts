import * as fs from 'node:fs';
import * as path from 'node:path';
import { MiB, readTextFile } from '../read-text-file';
import { UserError } from '../user-error';
import { evaluateExpression, toBoolean, toText, type Context, type Value } from './expression';
import { lineOf, origins, readYaml } from './yaml-source';

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
  /** How deep the file being expanded is nested (the pipeline is 1). */
  depth?: number;
  /** What the whole expansion has used so far, against LIMITS. */
  used?: { files: Set<string>; values: number };
}

/**
 * Azure Pipelines' documented limits: at most 100 separate YAML files in one pipeline, at most 100 levels of
 * template nesting, at most 20 MB of memory to parse it. The last is held as a count of expanded
 * values (a value costs far more than a hundred bytes in Azure's parser too) and a size per file.
 */
export const LIMITS = { files: 100, depth: 100, values: 1_000_000, fileBytes: 2 * MiB };

/**
 * Expands a pipeline or template file: typed parameters with defaults and
 * `values:`, `${{ }}` values and interpolation, `if`/`elseif`/`else`, `each`
 * over sequences and mappings, `insert`, and `template:` references in steps,
 * jobs, stages, variables and `extends`.
 */
export function expandFile(file: string, parameters: Record<string, Value>, options: ExpandOptions): Value {
  const depth = (options.depth ?? 0) + 1;
  const used = options.used ?? { files: new Set<string>(), values: 0 };
  if (depth > LIMITS.depth) throw new UserError(`${file}: templates nest more than ${LIMITS.depth} levels deep (does one include itself?).`);
  used.files.add(path.resolve(file));
  if (used.files.size > LIMITS.files) throw new UserError(`${file}: the pipeline uses more than ${LIMITS.files} separate YAML files, Azure Pipelines' limit.`);
  const document = readYaml(file, readTextFile(file, LIMITS.fileBytes, 'Pipeline file'));
  if (!isMap(document)) throw new UserError(`${file}: a pipeline or template must be a mapping.`);
  const declared = (document.parameters ?? []) as Value;
  const context: Context = { parameters: bindParameters(file, declared, parameters), variables: {} };
  const { parameters: _declarations, ...body } = document;
  origins.set(body, origins.get(document)!);
  return expandNode(body, context, { ...options, file, depth, used });
}

type Scope = ExpandOptions & { file: string; used: { files: Set<string>; values: number } };

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
  if (++scope.used.values > LIMITS.values)
    throw new UserError(
      `${scope.file}: the expanded pipeline has more than ${LIMITS.values.toLocaleString('en')} values ('each' over a large list?); Azure Pipelines refuses pipelines this large.`,
    );
  if (typeof node === 'string') return expandString(node, context, scope);
  if (Array.isArray(node)) return expandSequence(node, context, scope);
  if (isMap(node)) return expandMapping(node, context, scope);
  return node;
}

/** Sequence items may be directives (`- ${{ if ... }}:`), template references, or plain items. */
function expandSequence(items: Value[], context: Context, scope: Scope): Value[] {
  const out: Value[] = [];
  const lines: Record<string, number> = {};
  // Each item produced keeps the line it came from: its own, or the directive's or template reference's.
  const at = (index: number) => lineOf(items, String(index))?.line ?? 0;
  const place = (value: Value, line: number) => {
    lines[String(out.length)] = value !== null && typeof value === 'object' ? (origins.get(value)?.line ?? line) : line;
    out.push(value);
  };
  let chain: 'taken' | 'open' | 'none' = 'none';
  for (const [index, item] of items.entries()) {
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
        if (chain === 'taken') for (const v of expanded()) place(v, at(index));
      } else if (kind === 'elseif' || kind === 'else') {
        if (chain === 'none') throw new UserError(`${scope.file}: '${kind}' without a preceding 'if'.`);
        if (chain === 'open' && (kind === 'else' || toBoolean(evaluate(rest, context, scope)))) {
          chain = 'taken';
          for (const v of expanded()) place(v, at(index));
        }
        if (kind === 'else') chain = 'none';
      } else if (kind === 'each') {
        chain = 'none';
        for (const [variable, entry] of eachEntries(rest, context, scope)) {
          const value = expandNode(body, { ...context, [variable]: entry }, scope);
          for (const v of Array.isArray(value) ? value : [value]) place(v, at(index));
        }
      } else throw new UserError(`${scope.file}: 'insert' belongs in a mapping, not a list.`);
      continue;
    }
    chain = 'none';
    if (isMap(item) && typeof item.template === 'string' && keys.every((k) => k === 'template' || k === 'parameters')) {
      const included = includeTemplate(item.template, (expandNode(item.parameters ?? {}, context, scope) ?? {}) as Record<string, Value>, scope);
      for (const v of firstList(included)) place(v, at(index));
      continue;
    }
    place(expandNode(item, context, scope), at(index));
  }
  origins.set(out, { file: origins.get(items)?.file ?? scope.file, line: origins.get(items)?.line ?? 0, lines });
  return out;
}

function expandMapping(map: { [key: string]: Value }, context: Context, scope: Scope): Value {
  const out: { [key: string]: Value } = {};
  const lines: Record<string, number> = {};
  const mergeInto = (expanded: { [key: string]: Value }, line: number) => {
    for (const k of Object.keys(expanded)) lines[k] = lineOf(expanded, k)?.line ?? line;
    Object.assign(out, expanded);
  };
  let chain: 'taken' | 'open' | 'none' = 'none';
  for (const [key, value] of Object.entries(map)) {
    const keyLine = lineOf(map, key)?.line ?? 0;
    const directive = DIRECTIVE.exec(key.trim());
    if (directive) {
      const [, kind, rest] = directive;
      const merge = (v: Value) => {
        const expanded = expandNode(v, context, scope);
        if (expanded !== null && !isMap(expanded)) throw new UserError(`${scope.file}:${keyLine}: '${key}' in a mapping must hold a mapping.`);
        mergeInto(expanded ?? {}, keyLine);
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
          if (isMap(expanded)) mergeInto(expanded, keyLine);
        }
      }
      continue;
    }
    chain = 'none';
    const name = toText(expandString(key, context, scope));
    if (name === 'extends' && isMap(value) && typeof value.template === 'string') {
      const included = includeTemplate(value.template, (expandNode(value.parameters ?? {}, context, scope) ?? {}) as Record<string, Value>, scope);
      if (!isMap(included)) throw new UserError(`${scope.file}:${keyLine}: the extended template must be a pipeline mapping.`);
      mergeInto(included, keyLine);
      continue;
    }
    lines[name] = keyLine;
    out[name] = expandNode(value, context, scope);
  }
  origins.set(out, { file: origins.get(map)?.file ?? scope.file, line: origins.get(map)?.line ?? 0, lines });
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
  const at = reference.lastIndexOf('@');
  const [file, alias] = at > 0 ? [reference.slice(0, at), reference.slice(at + 1)] : [reference, undefined];
  let repository: string;
  if (alias && alias !== 'self') {
    repository = scope.repositories?.[alias] ?? '';
    if (!repository)
      throw new UserError(
        `${scope.file}: template '${reference}' names repository '${alias}', which is not mapped to a local folder (gitops-stack preview --repo ${alias}=<folder>).`,
      );
  } else repository = scope.root;
  const base = alias && alias !== 'self' ? repository : file.startsWith('/') ? scope.root : path.dirname(scope.file);
  const target = insideRepository(path.join(base, file.replace(/^\//, '')), repository, reference, scope);
  return expandFile(target, parameters, scope);
}

/**
 * A template path must lead to a file inside its repository's folder, links resolved, as in
 * Azure DevOps: `../x.yml`, `/../x.yml` or a link out of the folder is refused before it is read.
 */
function insideRepository(target: string, repository: string, reference: string, scope: Scope): string {
  let real: string;
  try {
    real = fs.realpathSync(target);
  } catch {
    throw new UserError(`${scope.file}: template '${reference}' not found (${path.relative(scope.root, target) || target}).`);
  }
  const folder = fs.realpathSync(repository);
  if (real !== folder && !real.startsWith(folder + path.sep))
    throw new UserError(`${scope.file}: template '${reference}' leads outside its repository's folder; templates are read from inside the repository only.`);
  return target;
}

/** A steps/jobs/stages/variables template contributes its one list. */
function firstList(template: Value): Value[] {
  if (Array.isArray(template)) return template;
  if (isMap(template)) {
    for (const key of ['steps', 'jobs', 'stages', 'variables']) if (Array.isArray(template[key])) return template[key] as Value[];
  }
  return [];
}
