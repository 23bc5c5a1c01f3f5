import { isAlias, isMap, isScalar, isSeq } from 'yaml';
import { UserError } from '../user-error';
import { parseYaml } from '../yaml-document';
import type { Value } from './expression';

/** Where a mapping or sequence came from: its file and line, and the line of each key or item. */
export interface Origin {
  file: string;
  line: number;
  lines: Record<string, number>;
}

/** Every mapping and sequence read by readYaml, and every one expansion makes from them, points back to its source here. */
export const origins = new WeakMap<object, Origin>();

/** Alias expansion of one file stops here (Azure Pipelines stops at 20 MB of parsed YAML; this is well under it). */
export const MAX_FILE_VALUES = 200_000;

/** Parses a YAML file into plain values, remembering the line of every mapping, key, sequence and item. */
export function readYaml(file: string, text: string): Value {
  const { doc: document, at, lineOf: line } = parseYaml(text, file);
  // Aliases are resolved here, not by the yaml library, so its alias limit does not apply: count every value made.
  let values = 0;
  const convert = (node: unknown): Value => {
    if (++values > MAX_FILE_VALUES)
      throw new UserError(
        `${at(node)}: this file expands to more than ${MAX_FILE_VALUES.toLocaleString('en')} values (aliases?); Azure Pipelines refuses pipelines this large.`,
      );
    if (isAlias(node)) return convert(node.resolve(document));
    if (isMap(node)) {
      const out: Record<string, Value> = {};
      const lines: Record<string, number> = {};
      for (const pair of node.items) {
        const key = String(isScalar(pair.key) ? pair.key.value : pair.key);
        lines[key] = line(pair.key);
        out[key] = convert(pair.value);
      }
      origins.set(out, { file, line: line(node), lines });
      return out;
    }
    if (isSeq(node)) {
      const out = node.items.map(convert);
      origins.set(out, { file, line: line(node), lines: Object.fromEntries(node.items.map((item, i) => [String(i), line(item)])) });
      return out;
    }
    if (isScalar(node)) return node.value as Value;
    return null;
  };
  return convert(document.contents);
}

/** The line of a value inside its container: a key's or item's own line, else the container's. */
export function lineOf(container: object, key: string): { file: string; line: number } | undefined {
  const origin = origins.get(container);
  return origin && { file: origin.file, line: origin.lines[key] || origin.line };
}

/**
 * The source line nearest to a JSON pointer into an expanded document: the
 * deepest mapping or sequence on the path that remembers where it came from.
 */
export function locate(root: Value, pointer: string): { file: string; line: number } | undefined {
  let found: { file: string; line: number } | undefined;
  let current: Value | undefined = root;
  const parts = pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (parts.length === 0 && root && typeof root === 'object') return lineOf(root, '');
  for (const part of parts) {
    if (current === null || typeof current !== 'object') break;
    found = lineOf(current, part) ?? found;
    current = Array.isArray(current) ? current[Number(part)] : (current as Record<string, Value>)[part];
  }
  return found;
}
