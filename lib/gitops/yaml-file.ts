import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments, type Document } from 'yaml';
import { UserError } from '../user-error';
import { MiB, readTextFile } from '../read-text-file';

/** A kustomization or values file of the config repo is a few KiB; 4 MiB is far past any real one. */
export const CONFIG_FILE_LIMIT = 4 * MiB;

/**
 * Reads and parses a YAML file of the config repo; a parse error names the file, line and column.
 * Scalars are read as the text they are written as (YAML's failsafe schema): an image tag
 * written `newTag: 1.10` is the tag "1.10", not the number 1.1. `environment` is the folder (or
 * file) the path pattern names: a file that is a link leading out of it is refused, never read
 * or written through (it would change another environment, or a file outside the repository).
 */
export function readYamlFile(repoDir: string, file: string, environment: string): { text: string; docs: Document[] } {
  refuseLinkOut(repoDir, file, environment);
  const text = readTextFile(path.join(repoDir, file), CONFIG_FILE_LIMIT, file);
  const docs = parseAllDocuments(text, { prettyErrors: true, schema: 'failsafe' }) as Document[];
  const error = docs.flatMap((d) => d.errors)[0];
  if (error) {
    const at = error.linePos?.[0];
    throw new UserError(`${file}${at ? `:${at.line}:${at.col}` : ''} is not valid YAML: ${error.message.split('\n')[0]}`);
  }
  return { text, docs };
}

function refuseLinkOut(repoDir: string, file: string, environment: string): void {
  const full = path.join(repoDir, file);
  if (!fs.lstatSync(full).isSymbolicLink()) return;
  const env = path.join(repoDir, environment);
  const folder = fs.realpathSync(fs.statSync(env).isDirectory() ? env : path.dirname(env));
  const target = fs.realpathSync(full);
  if (target !== folder && !target.startsWith(folder + path.sep))
    throw new UserError(
      `${file} is a symbolic link to ${path.relative(fs.realpathSync(repoDir), target) || target} outside ${environment}: PromoteEnv never edits through a link that leaves the environment's folder; make it a regular file.`,
    );
}
