/**
 * Evaluates a task.json `visibleRule` ("action != plan && createRegistry = true").
 * A required input hidden by its rule is not required, as in the Azure DevOps editor.
 * Supports =, !=, &&, || without parentheses, which is what the task.json schema documents.
 */
export function isVisible(rule: string | undefined, values: Record<string, string | undefined>): boolean {
  if (!rule || !rule.trim()) return true;
  return rule.split('||').some((any) => any.split('&&').every((term) => evaluateTerm(term.trim(), values)));
}

function evaluateTerm(term: string, values: Record<string, string | undefined>): boolean {
  const match = /^([A-Za-z0-9_.]+)\s*(!=|=)\s*(.*)$/.exec(term);
  if (!match) throw new Error(`unsupported visibleRule term '${term}'`);
  const [, name, op, expected] = match;
  const actual = (values[name] ?? '').toLowerCase();
  const equal = actual === expected.trim().toLowerCase();
  return op === '=' ? equal : !equal;
}
