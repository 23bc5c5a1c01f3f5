import Ajv, { type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import { UserError } from '../user-error';
import { parseYaml, toPlain } from '../yaml-document';
import { MiB, readTextFile } from '../read-text-file';
import schema from './stack-schema.json';
import type { Stack } from './stack';

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validate = ajv.compile<Stack>(schema);

/**
 * Reads and validates a stack file. Every problem is reported at once, each as
 * `file:line:column: field.path rule`, and nothing runs until the file is clean.
 */
export function loadStack(file: string): Stack {
  return parseStack(readTextFile(file, MiB, 'Stack file'), file);
}

export function parseStack(text: string, file = 'stack.yaml'): Stack {
  const parsed = parseYaml(text, file);
  const { doc, at } = parsed;
  const value = toPlain(parsed, file);
  const problems: string[] = [];
  if (!validate(value)) {
    for (const error of validate.errors ?? []) {
      const segments = error.instancePath
        .split('/')
        .slice(1)
        .map((s) => (/^\d+$/.test(s) ? Number(s) : s.replace(/~1/g, '/').replace(/~0/g, '~')));
      const node = doc.getIn(segments, true) as { range?: [number, number, number] } | undefined;
      const where = node?.range ? at(node) : file;
      problems.push(`${where}: ${describe(error, segments)}`);
    }
  } else {
    problems.push(...semanticProblems(value).map((p) => `${file}: ${p}`));
  }
  if (problems.length > 0) throw new UserError([...new Set(problems)].join('\n'));
  return value as Stack;
}

function describe(error: ErrorObject, segments: (string | number)[]): string {
  const field = segments.length
    ? segments
        .map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`))
        .join('')
        .replace(/^\./, '')
    : '(top level)';
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `${field === '(top level)' ? '' : `${field}.`}${String(p.missingProperty)} is required`;
    case 'additionalProperties':
      return `${field}: unknown field '${String(p.additionalProperty)}'`;
    case 'enum':
      return `${field} must be one of: ${(p.allowedValues as unknown[]).join(', ')}`;
    case 'const':
      return `${field} must be '${String(p.allowedValue)}'`;
    case 'pattern':
      return `${field} must match ${String(p.pattern)}`;
    default:
      return `${field} ${error.message}`;
  }
}

/** Rules a JSON schema cannot say. */
function semanticProblems(stack: Stack): string[] {
  const problems: string[] = [];
  const names = stack.environments.map((e) => e.name);
  const repeated = names.filter((n, i) => names.indexOf(n) !== i);
  if (repeated.length) problems.push(`environments: '${repeated[0]}' is listed twice; environment names must be unique`);
  const scaling = stack.cluster.nodePool?.autoscaling;
  if (scaling && scaling.min > scaling.max) problems.push(`cluster.nodePool.autoscaling: min (${scaling.min}) must not exceed max (${scaling.max})`);
  if (stack.observability?.storageBackend === 'azure-blob' && !stack.storage) {
    problems.push("observability.storageBackend 'azure-blob' needs a storage section");
  }
  return problems;
}
