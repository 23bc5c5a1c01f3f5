import Ajv, { _, type KeywordCxt, type ValidateFunction } from 'ajv';
import standaloneCode from 'ajv/dist/standalone';
import { inputsSchema } from './input-schema';
import type { TaskDefinition } from './task-definition';

export type InputValidator = ValidateFunction;

/**
 * Ajv with the two keywords that task.json's validation expressions need.
 * They generate code (not closures), so a validator can be compiled to a
 * standalone module at build time: a task bundle then carries no Ajv compiler
 * and starts faster.
 */
function createAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: true, code: { source: true } });
  ajv.addKeyword({
    keyword: 'inputMatch',
    type: 'string',
    schemaType: 'object',
    code(cxt: KeywordCxt) {
      const { pattern, ignoreCase } = cxt.schema as { pattern: string; ignoreCase: boolean };
      const flags = ignoreCase ? 'i' : '';
      const regex = cxt.gen.scopeValue('pattern', { key: `${flags}/${pattern}`, ref: new RegExp(pattern, flags), code: _`new RegExp(${pattern}, ${flags})` });
      cxt.fail(_`!${regex}.test(${cxt.data})`);
    },
  });
  ajv.addKeyword({
    keyword: 'inputUrl',
    type: 'string',
    schemaType: 'boolean',
    code(cxt: KeywordCxt) {
      // An http(s) URL with a host, at most 2048 characters, and no user-info: a URL is printed and
      // stored in plain objects, so credentials go in the task's secret inputs instead.
      cxt.fail(
        _`!(() => { try { const u = new URL(${cxt.data}); return ${cxt.data}.length <= 2048 && (u.protocol === "http:" || u.protocol === "https:") && u.hostname !== "" && u.username === "" && u.password === ""; } catch (e) { return false; } })()`,
      );
    },
  });
  return ajv;
}

const compiled = new WeakMap<TaskDefinition, InputValidator>();

/** Compiles a task's input validator at run time (the CLI and tests). Throws on a task.json rule it cannot enforce. */
export function compileInputValidator(definition: TaskDefinition): InputValidator {
  let validate = compiled.get(definition);
  if (!validate) {
    validate = createAjv().compile(inputsSchema(definition));
    compiled.set(definition, validate);
  }
  return validate;
}

/** The same validator as a CommonJS module's source, for the task bundles (see build/build.js). */
export function inputValidatorSource(definition: TaskDefinition): string {
  const ajv = createAjv();
  return standaloneCode(ajv, ajv.compile(inputsSchema(definition)));
}
