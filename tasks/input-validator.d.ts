// `import validate from 'input-validator:./task.json'` is resolved by build/build.js,
// which compiles the task's input rules into a standalone Ajv validator.
declare module 'input-validator:*' {
  import type { InputValidator } from '../lib/pipeline/input-validator';
  const validate: InputValidator;
  export default validate;
}
