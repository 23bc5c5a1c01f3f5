import { type Document, isAlias, isMap, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { UserError } from './user-error';

/** Far deeper than any stack file or pipeline (a pipeline is about 10 levels); deeper is an attack or a mistake. */
const MAX_DEPTH = 100;

/** A parsed YAML document with its positions: `at(node)` is `file:line:column`, `lineOf(node)` the line alone. */
export interface YamlDocument {
  doc: Document.Parsed;
  at: (node: unknown) => string;
  lineOf: (node: unknown) => number;
}

/**
 * Parses one YAML document and checks, in time linear in its size, what the yaml library would
 * check in quadratic time (duplicate keys: `uniqueKeys` compares every key with every other) or not
 * at all (nesting depth). Every problem is a UserError at `file:line:column`.
 */
export function parseYaml(text: string, file: string, options: { schema?: 'core' | 'failsafe' } = {}): YamlDocument {
  const lineCounter = new LineCounter();
  // Warnings (an unknown tag such as !!js/function) are problems here, reported with the rest, never printed to the console.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false, schema: options.schema ?? 'core', logLevel: 'silent' });
  const position = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  const offset = (node: unknown) => (node as Node | null)?.range?.[0] ?? 0;
  const at = (node: unknown) => position(offset(node));
  const lineOf = (node: unknown) => ((node as Node | null)?.range ? lineCounter.linePos(offset(node)).line : 0);
  const problems = [...doc.errors, ...doc.warnings].map((e) => `${position(e.pos[0])}: ${e.message.split('\n')[0]}`);
  if (problems.length === 0) problems.push(...structureProblems(doc.contents, at));
  if (problems.length > 0) throw new UserError(problems.slice(0, 20).join('\n'));
  return { doc, at, lineOf };
}

/** Duplicate keys and nesting depth, walked without recursion (a deep document cannot overflow the stack here). */
function structureProblems(root: unknown, at: (node: unknown) => string): string[] {
  const problems: string[] = [];
  const pending: { node: unknown; depth: number }[] = [{ node: root, depth: 0 }];
  while (pending.length > 0 && problems.length < 20) {
    const { node, depth } = pending.pop()!;
    if (depth > MAX_DEPTH) {
      problems.push(`${at(node)}: nests deeper than ${MAX_DEPTH} levels`);
      break;
    }
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = String((pair.key as { value?: unknown } | null)?.value ?? pair.key);
        if (seen.has(key)) problems.push(`${at(pair.key)}: duplicate key '${key.slice(0, 80)}'`);
        seen.add(key);
        pending.push({ node: pair.value, depth: depth + 1 });
      }
    } else if (isSeq(node)) {
      for (const item of node.items) pending.push({ node: item, depth: depth + 1 });
    }
  }
  return problems;
}

/**
 * The document as plain values. yaml's own alias limit (100 resolutions, weighted by size) stops
 * an alias bomb ("billion laughs"): reported here at the first alias, with the file and position.
 */
export function toPlain({ doc, at }: YamlDocument, file: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    let alias: unknown;
    const pending: unknown[] = [doc.contents];
    while (pending.length && !alias) {
      const node = pending.pop();
      // Pushed last item first: the first alias in the file is found first.
      if (isAlias(node)) alias = node;
      else if (isMap(node)) pending.push(...node.items.map((pair) => pair.value).reverse());
      else if (isSeq(node)) pending.push(...[...node.items].reverse());
    }
    const where = alias ? at(alias) : file;
    throw new UserError(`${where}: aliases expand too far (${(error as Error).message}); write the values out instead.`);
  }
}
