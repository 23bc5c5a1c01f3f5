import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';
import Ajv, { type ValidateFunction } from 'ajv';
import { version as AJV_VERSION } from 'ajv/package.json';
import * as equal from 'ajv/dist/runtime/equal';
import * as ucs2length from 'ajv/dist/runtime/ucs2length';
import * as uri from 'ajv/dist/runtime/uri';
import * as validationError from 'ajv/dist/runtime/validation_error';
import standaloneCode from 'ajv/dist/standalone';
import type { TaskDefinition } from '../pipeline/task-definition';
import { UserError } from '../user-error';
import { extendedSchema, type PipelineValidator } from './validate-pipeline';

/** The official schema's pinned source, for machines without the reference data (see ../shared/data/README.md). */
const SCHEMA_COMMIT = 'e8090fd525cd6ba47d7685c698f3f51983e298c6';
const SCHEMA_URL = `https://raw.githubusercontent.com/microsoft/azure-pipelines-vscode/${SCHEMA_COMMIT}/service-schema.json`;
/** Bump when the generated code changes shape, so old caches are not loaded. */
const CACHE_FORMAT = 3;

// The schema's patterns are .NET regexes, which JavaScript accepts without the `u` flag;
// `code` is the same function as source, so the standalone validator carries it.
const REG_EXP_SOURCE = '((pattern, flags) => new RegExp(pattern, flags.replace("u", "")))';
const regExp = Object.assign((pattern: string, flags: string) => new RegExp(pattern, flags.replace('u', '')), { code: REG_EXP_SOURCE });

// What a standalone validator may require at run time, bundled with the CLI.
const RUNTIME: Record<string, unknown> = {
  'ajv/dist/runtime/equal': equal,
  'ajv/dist/runtime/ucs2length': ucs2length,
  'ajv/dist/runtime/uri': uri,
  'ajv/dist/runtime/validation_error': validationError,
};

export function cacheDir(): string {
  return path.join(process.env.GITOPS_STACK_CACHE ?? path.join(os.homedir(), '.cache', 'gitops-stack'), 'pipeline-schema');
}

/**
 * The official Azure Pipelines schema file: `explicit` (--schema), else
 * GITOPS_PIPELINES_SCHEMA, else the reference data beside the repository, else
 * the copy downloaded once into the cache from its pinned commit.
 */
export async function findServiceSchema(explicit: string | undefined, repoRoot: string): Promise<string> {
  const candidates = [
    explicit,
    process.env.GITOPS_PIPELINES_SCHEMA,
    process.env.GITOPS_REFERENCE_DATA && path.join(process.env.GITOPS_REFERENCE_DATA, 'azure-pipelines', 'service-schema.json'),
    path.resolve(repoRoot, '..', 'shared', 'data', 'azure-pipelines', 'service-schema.json'),
    path.join(cacheDir(), `service-schema-${SCHEMA_COMMIT}.json`),
  ].filter((c): c is string => Boolean(c));
  if (explicit && !fs.existsSync(explicit)) throw new UserError(`--schema: '${explicit}' does not exist.`);
  const found = candidates.find((c) => fs.existsSync(c));
  if (found) return found;
  const target = candidates[candidates.length - 1];
  const response = await fetch(SCHEMA_URL).catch((error: Error) => {
    throw new UserError(`The Azure Pipelines schema is not on this machine and cannot be downloaded (${error.message}); pass --schema <service-schema.json>.`);
  });
  if (!response.ok) throw new UserError(`Downloading the Azure Pipelines schema answered HTTP ${response.status}; pass --schema <service-schema.json>.`);
  writeAtomically(target, await response.text());
  return target;
}

function writeAtomically(file: string, text: string | Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, text);
  fs.renameSync(temp, file);
}

/**
 * The schema extended with our tasks, compiled once: the standalone validator
 * is cached by the hash of the schema file, our task.json files and the Ajv
 * version, so later runs load code instead of compiling 1.6 MB of schema.
 */
export function loadPipelineValidator(schemaFile: string, tasks: TaskDefinition[]): PipelineValidator & { fromCache: boolean } {
  const text = fs.readFileSync(schemaFile, 'utf8');
  const key = createHash('sha256')
    .update(`${CACHE_FORMAT}\n${AJV_VERSION}\n${JSON.stringify(tasks)}\n`)
    .update(text)
    .digest('hex')
    .slice(0, 24);
  const cached = path.join(cacheDir(), `validator-${key}.js`);
  if (fs.existsSync(cached)) {
    try {
      return { ...load(cached), fromCache: true };
    } catch {
      // A damaged cache is rebuilt below.
    }
  }
  const schema = extendedSchema(schemaFile, tasks);
  // Azure Pipelines reads every scalar as a string, and the schema says so (timeoutInMinutes is a
  // string; booleans are 'true'/'yes'/'on' patterns); coercion lets `60` and `true` pass as the service takes them.
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, coerceTypes: true, code: { source: true, regExp } });
  const validate = ajv.compile(schema);
  const patterns = (schema.definitions.task.allOf as { then: { properties?: { task?: { pattern?: string } } } }[]).map(
    (branch) => branch.then.properties?.task?.pattern ?? '^$',
  );
  const code = `${standaloneCode(ajv, validate)}\nmodule.exports.taskPatterns = ${JSON.stringify(patterns)};\n`;
  try {
    for (const old of fs.readdirSync(cacheDir()).filter((f) => f.startsWith('validator-'))) fs.rmSync(path.join(cacheDir(), old), { force: true });
  } catch {
    // no cache folder yet
  }
  try {
    writeAtomically(cached, code);
  } catch {
    // No writable cache: validation still works, only slower next time.
  }
  return { validate, taskPatterns: patterns.map((p) => new RegExp(p, 'i')), fromCache: false };
}

/**
 * Runs a cached standalone validator. V8's code cache for it (`.bytecode`, made
 * after a first validation so the validators that ran are in it) spares
 * compiling megabytes of generated code on every run.
 */
function load(file: string): PipelineValidator {
  const bytecode = `${file}.bytecode`;
  const cachedData = fs.existsSync(bytecode) ? fs.readFileSync(bytecode) : undefined;
  const script = new vm.Script(`(function (module, exports, require) {${fs.readFileSync(file, 'utf8')}\n})`, { filename: file, cachedData });
  const module = { exports: {} as { default?: ValidateFunction; taskPatterns?: string[] } };
  const requireRuntime = (id: string) => {
    if (!(id in RUNTIME)) throw new Error(`standalone validator requires unknown module ${id}`);
    return RUNTIME[id];
  };
  (script.runInThisContext() as (m: unknown, e: unknown, r: unknown) => void)(module, module.exports, requireRuntime);
  const validate = (module.exports.default ?? module.exports) as ValidateFunction;
  if (!cachedData || script.cachedDataRejected) {
    validate({
      trigger: ['main'],
      pool: { vmImage: 'ubuntu-latest' },
      stages: [
        {
          stage: 's',
          jobs: [
            { job: 'j', steps: [{ script: 'echo' }, { task: 'PromoteEnv@0', inputs: { apps: 'a' } }] },
            { deployment: 'd', environment: 'e', strategy: { runOnce: { deploy: { steps: [{ checkout: 'none' }] } } } },
          ],
        },
      ],
    });
    try {
      writeAtomically(bytecode, script.createCachedData());
    } catch {
      // read-only cache: compile again next time
    }
  }
  return { validate, taskPatterns: (module.exports.taskPatterns ?? []).map((p) => new RegExp(p, 'i')) };
}
