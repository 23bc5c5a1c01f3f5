import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments, type Document } from 'yaml';
import { UserError } from '../user-error';

/**
 * Reads and parses a YAML file of the config repo; a parse error names the file, line and column.
 * Scalars are read as the text they are written as (YAML's failsafe schema): an image tag
 * written `newTag: 1.10` is the tag "1.10", not the number 1.1.
 */
export function readYamlFile(repoDir: string, file: string): { text: string; docs: Document[] } {
  const text = fs.readFileSync(path.join(repoDir, file), 'utf8');
  const docs = parseAllDocuments(text, { prettyErrors: true, schema: 'failsafe' }) as Document[];
  const error = docs.flatMap((d) => d.errors)[0];
  if (error) {
    const at = error.linePos?.[0];
    throw new UserError(`${file}${at ? `:${at.line}:${at.col}` : ''} is not valid YAML: ${error.message.split('\n')[0]}`);
  }
  return { text, docs };
}
