import { UserError } from '../user-error';

/**
 * Template expressions of Azure Pipelines (`${{ ... }}`): literals, property and
 * index access, and the documented functions, with the documented type casting
 * (comparison casts the right operand to the left's type; strings compare
 * ordinally ignoring case). Pure: no I/O, values in, value out.
 */
export type Value = null | boolean | number | string | Value[] | { [key: string]: Value };
export type Context = Record<string, Value>;

type Node =
  | { kind: 'literal'; value: Value }
  | { kind: 'name'; name: string }
  | { kind: 'member'; target: Node; key: Node }
  | { kind: 'filter'; target: Node }
  | { kind: 'call'; name: string; args: Node[] };

class Parser {
  private at = 0;
  constructor(private readonly text: string) {}

  fail(message: string): never {
    throw new UserError(`Expression '${this.text}': ${message} (at character ${this.at + 1}).`);
  }

  private space() {
    while (/\s/.test(this.text[this.at] ?? '')) this.at++;
  }

  private take(char: string): boolean {
    this.space();
    if (this.text[this.at] === char) {
      this.at++;
      return true;
    }
    return false;
  }

  parse(): Node {
    const node = this.expression();
    this.space();
    if (this.at < this.text.length) this.fail(`unexpected '${this.text.slice(this.at)}'`);
    return node;
  }

  private expression(): Node {
    this.space();
    let node = this.primary();
    for (;;) {
      if (this.take('.')) {
        if (this.take('*')) {
          node = { kind: 'filter', target: node };
          continue;
        }
        const name = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(this.text.slice(this.at))?.[0];
        if (!name) this.fail("a property name must follow '.'");
        this.at += name.length;
        node = { kind: 'member', target: node, key: { kind: 'literal', value: name } };
      } else if (this.take('[')) {
        const key = this.expression();
        if (!this.take(']')) this.fail("expected ']'");
        node = { kind: 'member', target: node, key };
      } else return node;
    }
  }

  private primary(): Node {
    this.space();
    const rest = this.text.slice(this.at);
    if (rest.startsWith("'")) {
      let value = '';
      let i = 1;
      for (;;) {
        if (i >= rest.length) this.fail('unterminated string');
        if (rest[i] === "'") {
          if (rest[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          break;
        }
        value += rest[i++];
      }
      this.at += i + 1;
      return { kind: 'literal', value };
    }
    const version = /^\d+\.\d+\.\d+(\.\d+)?/.exec(rest);
    if (version) this.fail('version literals are not supported here; quote the version as a string');
    const number = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(rest);
    if (number) {
      this.at += number[0].length;
      return { kind: 'literal', value: Number(number[0]) };
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest)?.[0];
    if (!name) this.fail('expected a literal, a name or a function');
    this.at += name.length;
    const lower = name.toLowerCase();
    if (lower === 'true' || lower === 'false') return { kind: 'literal', value: lower === 'true' };
    if (lower === 'null') return { kind: 'literal', value: null };
    if (this.take('(')) {
      const args: Node[] = [];
      if (!this.take(')')) {
        do args.push(this.expression());
        while (this.take(','));
        if (!this.take(')')) this.fail(`expected ')' to close ${name}(`);
      }
      return { kind: 'call', name: lower, args };
    }
    return { kind: 'name', name };
  }
}

const filtered = (node: Node): boolean => node.kind === 'filter' || (node.kind === 'member' && filtered(node.target));

const isObject = (v: Value): v is { [key: string]: Value } => typeof v === 'object' && v !== null && !Array.isArray(v);

export function toBoolean(v: Value): boolean {
  if (v === null) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0 && !Number.isNaN(v);
  if (typeof v === 'string') return v.length > 0;
  return true;
}

export function toNumber(v: Value): number {
  if (v === null) return 0;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const text = v.trim().replace(/,/g, '');
    if (text === '') return 0;
    return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text) ? Number(text) : NaN;
  }
  return NaN;
}

export function toText(v: Value): string {
  if (v === null) return '';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

/** Casts `right` to the type of `left`; undefined when it cannot. */
function castLike(left: Value, right: Value): Value | undefined {
  if (typeof left === 'boolean') return toBoolean(right);
  if (typeof left === 'number') {
    const n = toNumber(right);
    return Number.isNaN(n) ? undefined : n;
  }
  if (typeof left === 'string') return Array.isArray(right) || isObject(right) ? undefined : toText(right);
  if (left === null) return right === null ? null : undefined;
  return right;
}

function equal(left: Value, right: Value): boolean {
  const cast = castLike(left, right);
  if (cast === undefined) return false;
  if (typeof left === 'string') return left.toLowerCase() === String(cast).toLowerCase();
  if (typeof left === 'number') return left === cast;
  if (Array.isArray(left) || isObject(left)) return left === right;
  return left === cast;
}

function compare(name: string, left: Value, right: Value): number {
  const cast = castLike(left, right);
  if (cast === undefined || cast === null || typeof left === 'object') throw new UserError(`${name}(): cannot compare ${toText(left)} with ${toText(right)}.`);
  if (typeof left === 'string') return left.toLowerCase().localeCompare(String(cast).toLowerCase(), 'en', { sensitivity: 'base' });
  return Number(left) - Number(cast);
}

function lookup(target: Value, key: Value): Value {
  if (Array.isArray(target)) {
    const index = toNumber(key);
    return Number.isInteger(index) && index >= 0 && index < target.length ? target[index] : null;
  }
  if (isObject(target)) {
    const wanted = toText(key).toLowerCase();
    const found = Object.keys(target).find((k) => k.toLowerCase() === wanted);
    return found === undefined ? null : target[found];
  }
  return null;
}

function format(template: string, args: Value[]): string {
  return template.replace(/\{\{|\}\}|\{(\d+)\}/g, (match, index?: string) => {
    if (match === '{{') return '{';
    if (match === '}}') return '}';
    const i = Number(index);
    if (i >= args.length) throw new UserError(`format('${template}'): there is no argument {${i}}.`);
    return toText(args[i]);
  });
}

const FUNCTIONS: Record<string, { min: number; max: number; run: (args: Value[]) => Value }> = {
  eq: { min: 2, max: 2, run: ([a, b]) => equal(a, b) },
  ne: { min: 2, max: 2, run: ([a, b]) => !equal(a, b) },
  gt: { min: 2, max: 2, run: ([a, b]) => compare('gt', a, b) > 0 },
  ge: { min: 2, max: 2, run: ([a, b]) => compare('ge', a, b) >= 0 },
  lt: { min: 2, max: 2, run: ([a, b]) => compare('lt', a, b) < 0 },
  le: { min: 2, max: 2, run: ([a, b]) => compare('le', a, b) <= 0 },
  not: { min: 1, max: 1, run: ([a]) => !toBoolean(a) },
  xor: { min: 2, max: 2, run: ([a, b]) => toBoolean(a) !== toBoolean(b) },
  in: { min: 1, max: Infinity, run: ([a, ...rest]) => rest.some((b) => equal(a, b)) },
  notin: { min: 1, max: Infinity, run: ([a, ...rest]) => !rest.some((b) => equal(a, b)) },
  contains: { min: 2, max: 2, run: ([a, b]) => toText(a).toLowerCase().includes(toText(b).toLowerCase()) },
  containsvalue: { min: 2, max: 2, run: ([a, b]) => (Array.isArray(a) ? a : isObject(a) ? Object.values(a) : []).some((item) => equal(item, b)) },
  startswith: { min: 2, max: 2, run: ([a, b]) => toText(a).toLowerCase().startsWith(toText(b).toLowerCase()) },
  endswith: { min: 2, max: 2, run: ([a, b]) => toText(a).toLowerCase().endsWith(toText(b).toLowerCase()) },
  join: { min: 2, max: 2, run: ([sep, list]) => (Array.isArray(list) ? list.map(toText).join(toText(sep)) : isObject(list) ? '' : toText(list)) },
  format: { min: 1, max: Infinity, run: ([template, ...args]) => format(toText(template), args) },
  // The first value neither null nor '', else the last one (as the agent's CoalesceNode does: coalesce(null, '') is '').
  coalesce: { min: 1, max: Infinity, run: (args) => args.find((a) => a !== null && a !== '') ?? args[args.length - 1] },
  converttojson: { min: 1, max: 1, run: ([a]) => JSON.stringify(a, null, 2) },
  replace: { min: 3, max: 3, run: ([a, from, to]) => toText(a).split(toText(from)).join(toText(to)) },
  split: { min: 2, max: 2, run: ([a, sep]) => toText(a).split(toText(sep)) },
  lower: { min: 1, max: 1, run: ([a]) => toText(a).toLowerCase() },
  upper: { min: 1, max: 1, run: ([a]) => toText(a).toUpperCase() },
  length: {
    min: 1,
    max: 1,
    run: ([a]) => (typeof a === 'string' ? a.length : Array.isArray(a) ? a.length : isObject(a) ? Object.keys(a).length : a === null ? 0 : toText(a).length),
  },
};

function evaluate(node: Node, context: Context): Value {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'name': {
      const value = lookup(context as Value, node.name);
      if (value === null && !Object.keys(context).some((k) => k.toLowerCase() === node.name.toLowerCase())) {
        throw new UserError(`Unrecognized value: '${node.name}' (known: ${Object.keys(context).join(', ')}).`);
      }
      return value;
    }
    case 'filter': {
      // `.*`: every item of a sequence, or every value of a mapping, as a sequence.
      const target = evaluate(node.target, context);
      return Array.isArray(target) ? target : isObject(target) ? Object.values(target) : [];
    }
    case 'member': {
      const target = evaluate(node.target, context);
      const key = evaluate(node.key, context);
      // After `.*`, a property applies to each item (`environments.*.name`); items without it drop out.
      if (filtered(node.target)) return (target as Value[]).map((item) => lookup(item, key)).filter((v) => v !== null);
      return lookup(target, key);
    }
    case 'call': {
      // and, or and iif evaluate their arguments only as far as needed.
      if (node.name === 'and') {
        if (node.args.length < 2) throw new UserError('and() takes at least 2 arguments.');
        return node.args.every((a) => toBoolean(evaluate(a, context)));
      }
      if (node.name === 'or') {
        if (node.args.length < 2) throw new UserError('or() takes at least 2 arguments.');
        return node.args.some((a) => toBoolean(evaluate(a, context)));
      }
      if (node.name === 'iif') {
        if (node.args.length !== 3) throw new UserError('iif() takes 3 arguments: a condition, the value when true and the value when false.');
        return evaluate(toBoolean(evaluate(node.args[0], context)) ? node.args[1] : node.args[2], context);
      }
      // Own keys only: `constructor` or `toString` must not reach Object.prototype.
      const fn = Object.hasOwn(FUNCTIONS, node.name) ? FUNCTIONS[node.name] : undefined;
      if (!fn) throw new UserError(`Unrecognized function name: '${node.name}'.`);
      if (node.args.length < fn.min || node.args.length > fn.max) {
        throw new UserError(
          `${node.name}() takes ${fn.min === fn.max ? fn.min : `${fn.min} or more`} argument${fn.max === 1 ? '' : 's'}, not ${node.args.length}.`,
        );
      }
      return fn.run(node.args.map((a) => evaluate(a, context)));
    }
  }
}

/** Evaluates one expression (the text between `${{` and `}}`). */
export function evaluateExpression(text: string, context: Context): Value {
  return evaluate(new Parser(text).parse(), context);
}
