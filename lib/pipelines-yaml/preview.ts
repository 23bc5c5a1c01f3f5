import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { expandFile } from './expand-template';
import type { Value } from './expression';
import { type PipelineValidator, validatePipeline } from './validate-pipeline';
import { locate } from './yaml-source';

export interface PreviewOptions {
  /** `/`-rooted template paths and `@self` resolve here. */
  root: string;
  /** `template: file@alias` resolves in the folder mapped to alias. */
  repositories: Record<string, string>;
  validator: PipelineValidator;
  /** Values for the pipeline's own (runtime) parameters. */
  parameters?: Record<string, Value>;
}

export interface LocatedProblem {
  file: string;
  line: number;
  at: string;
  message: string;
}

/**
 * The folder of the repository a pipeline file is in: where `/path` and `path@self` templates
 * resolve, and which no template path may leave. The nearest folder above the file holding `.git`,
 * else the file's own folder. (`preview --repo self=<folder>` names it instead.)
 */
export function repositoryRoot(file: string): string {
  const start = path.dirname(path.resolve(file));
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, '.git'))) return dir;
    if (path.dirname(dir) === dir) return start;
  }
}

/** A problem as editors and CI logs link it: `file:line: where: what`. */
export function formatProblem(p: LocatedProblem, cwd = process.cwd()): string {
  return `${path.relative(cwd, p.file) || p.file}:${p.line}: ${p.at}: ${p.message}`;
}

/**
 * Expands a pipeline as Azure Pipelines would at queue time (templates,
 * parameters, `${{ }}`), then validates the result against the official schema
 * extended with our tasks. Each problem points at the line of the template
 * that produced the offending node.
 */
export function previewPipeline(file: string, options: PreviewOptions): { expanded: Value; yaml: string; problems: LocatedProblem[] } {
  const expanded = expandFile(path.resolve(file), options.parameters ?? {}, { root: options.root, repositories: options.repositories });
  // A template used several times with the same mistake is one problem, at its line.
  const problems = new Map<string, LocatedProblem>();
  for (const p of validatePipeline(options.validator, expanded)) {
    const where = locate(expanded, p.pointer) ?? { file: path.resolve(file), line: 1 };
    const key = `${where.file}:${where.line}: ${p.message}`;
    if (!problems.has(key)) problems.set(key, { ...where, at: p.at, message: p.message });
  }
  return { expanded, yaml: stringify(expanded, { lineWidth: 0 }), problems: [...problems.values()] };
}
