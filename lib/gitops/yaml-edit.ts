import { isAlias, isMap, isScalar, parse, type Document, type Pair, type Scalar, type YAMLMap } from 'yaml';
import { UserError } from '../user-error';

export type YamlPath = (string | number)[];

/** Set a scalar at `path`, or remove its key when `value` is undefined. */
export interface YamlEdit {
  path: YamlPath;
  value: string | undefined;
}

interface Splice {
  start: number;
  end: number;
  text: string;
}

/**
 * Applies edits to YAML text by splicing only the changed scalars (or the
 * added/removed key lines) into the original text, so comments, key order,
 * quoting and indentation elsewhere stay byte for byte. `doc` is one document
 * of `text` parsed with ranges (several documents share one text). An added line ends as the
 * file's lines do (LF or CRLF). An edit it cannot make without rewriting more than the value
 * (a flow mapping, an alias) is a UserError naming the key and its line, never a guess.
 */
export function editYaml(text: string, doc: Document, edits: YamlEdit[]): string {
  const splices: Splice[] = [];
  for (const edit of edits) {
    const splice = spliceFor(text, doc, edit);
    if (splice) splices.push(splice);
  }
  splices.sort((a, b) => b.start - a.start);
  let result = text;
  for (const { start, end, text: replacement } of splices) result = result.slice(0, start) + replacement + result.slice(end);
  return result;
}

function spliceFor(text: string, doc: Document, edit: YamlEdit): Splice | undefined {
  const node = doc.getIn(edit.path, true) as Scalar | undefined;
  const where = edit.path.join('.');
  const line = (index: number) => text.slice(0, index).split('\n').length;
  const key = edit.path[edit.path.length - 1];
  const parent = doc.getIn(edit.path.slice(0, -1), true) as YAMLMap | undefined;
  if (edit.value === undefined) {
    if (node === undefined || !isMap(parent)) return undefined;
    const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === key) as Pair<Scalar, Scalar> | undefined;
    const start = lineStart(text, pair!.key!.range![0]);
    if (text.slice(start, pair!.key!.range![0]).trim() !== '')
      throw new UserError(`'${where}' (line ${line(start)}) shares its line with other keys, so it cannot be removed alone: put it on a line of its own`);
    return { start, end: lineEnd(text, pair!.value!.range![1]), text: '' };
  }
  if (node !== undefined) {
    if (isAlias(node))
      throw new UserError(
        `'${where}' (line ${line(node.range![0])}) is the alias *${node.source}: changing it here would change every value the anchor names; write the value itself`,
      );
    if (!isScalar(node) || !node.range) throw new UserError(`'${where}' is not a single value, so it cannot be set to '${edit.value}'`);
    if (node.value === edit.value) return undefined;
    return { start: node.range[0], end: node.range[1], text: formatScalar(edit.value, node.type) };
  }
  if (!isMap(parent) || parent.flow || parent.items.length === 0)
    throw new UserError(
      `'${where}' must be added${parent?.range ? ` to the mapping at line ${line(parent.range[0])}` : ''}, which is ${isMap(parent) && parent.flow ? 'written in flow style ({ ... })' : 'not a block mapping'}: write it as one key per line`,
    );
  const first = parent.items[0] as Pair<Scalar, unknown>;
  const indent = first.key!.range![0] - lineStart(text, first.key!.range![0]);
  const last = parent.items[parent.items.length - 1] as Pair<Scalar, Scalar>;
  const at = lineEnd(text, (last.value ?? last.key)!.range![1]);
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const prefix = at > 0 && text[at - 1] !== '\n' ? eol : '';
  return { start: at, end: at, text: `${prefix}${' '.repeat(indent)}${String(key)}: ${formatScalar(edit.value, 'PLAIN')}${eol}` };
}

function lineStart(text: string, index: number): number {
  return text.lastIndexOf('\n', index - 1) + 1;
}

/** The index just past the newline that ends the line holding `index` (or the text's end). */
function lineEnd(text: string, index: number): number {
  const newline = text.indexOf('\n', Math.max(index - 1, 0));
  return newline < 0 ? text.length : newline + 1;
}

/** Keeps the original quoting; a plain value that YAML would read as another type or string is double-quoted. */
function formatScalar(value: string, type: Scalar['type']): string {
  if (type === 'QUOTE_DOUBLE') return JSON.stringify(value);
  if (type === 'QUOTE_SINGLE') return `'${value.replace(/'/g, "''")}'`;
  return plainReadsAs(value) ? value : JSON.stringify(value);
}

/** Whether `value` written plain (unquoted) reads back as the same string. */
function plainReadsAs(value: string): boolean {
  try {
    // Silent: a value such as '!!js/function x' is simply not plain; the yaml library would warn on the console.
    return parse(value, { logLevel: 'silent' }) === value && !/[#:]\s|\s$|^\s/.test(value);
  } catch {
    return false;
  }
}
