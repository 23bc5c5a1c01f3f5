import * as assert from 'node:assert/strict';
import { compileInputValidator, inputValidatorSource } from '../input-validator';
import { readInputs } from '../read-inputs';
import { registerSecret } from '../task-host';
import type { TaskDefinition } from '../task-definition';
import { TASK_DEFINITIONS } from '../../stack/task-definitions';
import { UserError } from '../../user-error';

const definition = {
  id: '00000000-0000-0000-0000-000000000000',
  name: 'Sample',
  friendlyName: 'Sample',
  description: '',
  version: { Major: 0, Minor: 1, Patch: 0 },
  execution: {},
  inputs: [
    { name: 'connection', type: 'connectedService:AzureRM', label: 'Connection', required: true },
    { name: 'action', type: 'pickList', label: 'Action', required: true, defaultValue: 'plan', options: { plan: 'Plan', apply: 'Apply' } },
    {
      name: 'storageAccount',
      type: 'string',
      label: 'Storage account',
      required: true,
      validation: { expression: "isMatch(value, '^[a-z0-9]{3,24}$')", message: 'must be 3-24 lowercase letters or digits' },
    },
    { name: 'region', type: 'string', label: 'Region', validation: { expression: "isMatch(value, '^EAST', 'IgnoreCase')" } },
    { name: 'count', type: 'string', label: 'Count', defaultValue: '2', validation: { expression: 'isInRange(value, 1, 10)', message: 'must be 1 to 10' } },
    { name: 'wait', type: 'boolean', label: 'Wait', defaultValue: 'true' },
    {
      name: 'timeout',
      type: 'string',
      label: 'Timeout',
      required: true,
      visibleRule: 'wait = true && action != plan',
      validation: { expression: 'isInRange(value, 1, 60)' },
    },
    { name: 'url', type: 'string', label: 'URL', validation: { expression: 'isUrl(value)' } },
    { name: 'token', type: 'string', label: 'Token', properties: { isSecret: 'true' }, validation: { expression: "isMatch(value, '^[A-Za-z0-9]+$')" } },
  ],
} as TaskDefinition;

function read(inputs: Record<string, string>) {
  const secrets: string[] = [];
  const values = readInputs(definition, compileInputValidator(definition), { getInput: (n) => inputs[n], setSecret: (s) => secrets.push(s) });
  return { values, secrets };
}

function problems(inputs: Record<string, string>): string[] {
  try {
    read(inputs);
  } catch (error) {
    assert.ok(error instanceof UserError, `expected a UserError, got ${String(error)}`);
    return error.message.split('\n');
  }
  assert.fail('expected the inputs to be refused');
}

describe('readInputs: task.json is the single source of input rules', () => {
  it('types values and applies defaults', () => {
    const { values } = read({ connection: 'c1', storageAccount: 'stlogs01', region: 'eastus', count: '7', url: 'https://grafana.example.com/' });
    assert.deepEqual(values, {
      connection: 'c1',
      action: 'plan',
      storageAccount: 'stlogs01',
      region: 'eastus',
      count: 7,
      wait: true,
      url: 'https://grafana.example.com/',
    });
  });

  it('names every missing required input in task.json order, first one first', () => {
    assert.deepEqual(problems({}), ["Input required: 'connection' (Connection).", "Input required: 'storageAccount' (Storage account)."]);
  });

  it('names the input, its value and the rule when a pattern fails', () => {
    assert.deepEqual(problems({ connection: 'c', storageAccount: 'My_Logs' }), [
      "Input 'storageAccount' (Storage account) 'My_Logs' must be 3-24 lowercase letters or digits.",
    ]);
  });

  it('refuses pickList values outside the options, booleans that are not booleans, numbers out of range', () => {
    const found = problems({ connection: 'c', storageAccount: 'abc', action: 'delete', wait: 'yes', count: '11' });
    assert.deepEqual(found, [
      "Input 'action' (Action) 'delete' must be one of: plan, apply.",
      "Input 'count' (Count) '11' must be 1 to 10.",
      "Input 'wait' (Wait) 'yes' must be true or false.",
    ]);
  });

  it('honours IgnoreCase in isMatch and checks isUrl', () => {
    assert.equal(read({ connection: 'c', storageAccount: 'abc', region: 'EastUS2' }).values.region, 'EastUS2');
    assert.deepEqual(problems({ connection: 'c', storageAccount: 'abc', url: 'ftp://x' }), [
      "Input 'url' (URL) 'ftp://x' must be an absolute http or https URL without user:password@.",
    ]);
  });

  it('refuses credentials inside a URL, in every form the WHATWG parser accepts', () => {
    for (const url of ['https://user:pass@grafana.example.com/', 'https://token@grafana.example.com', 'http://:pw@h.example', 'https:user:pw@h.example/'])
      assert.deepEqual(
        problems({ connection: 'c', storageAccount: 'abc', url }),
        [`Input 'url' (URL) '${url}' must be an absolute http or https URL without user:password@.`],
        url,
      );
  });

  it('takes whole numbers in decimal notation only', () => {
    assert.equal(read({ connection: 'c', storageAccount: 'abc', count: '10' }).values.count, 10);
    for (const count of ['1.5', '0x10', '1e1', '7.0', '5 5', 'Infinity'])
      assert.equal(problems({ connection: 'c', storageAccount: 'abc', count }).length, 1, count);
    assert.deepEqual(problems({ connection: 'c', storageAccount: 'abc', count: '0x10' }), ["Input 'count' (Count) '0x10' must be 1 to 10."]);
  });

  it('bounds the inputs the agent fills in itself: paths and service connections', () => {
    assert.deepEqual(problems({ connection: 'c\nd', storageAccount: 'abc' }), [
      "Input 'connection' (Connection) 'c\\nd' must name a service connection (at most 256 characters, no control characters).",
    ]);
  });

  it('registers a secret with a lone CR line by line, then refuses it by its rule (no setSecret failure)', () => {
    const secrets: string[] = [];
    const inputs: Record<string, string> = { connection: 'c', storageAccount: 'abc', token: 'Abcdefgh1\rAbcdefgh2' };
    // As AzurePipelinesHost.setSecret does: tl.setSecret throws on any CR or LF.
    const setSecret = (line: string) => (/[\r\n]/.test(line) ? assert.fail('setSecret got a line break') : secrets.push(line));
    const source = { getInput: (n: string) => inputs[n], setSecret: (value: string) => registerSecret(value, setSecret) };
    assert.throws(() => readInputs(definition, compileInputValidator(definition), source), /^UserError: Input 'token' \(Token\) \(secret\) must match/);
    assert.deepEqual(secrets, ['Abcdefgh1', 'Abcdefgh2']);
  });

  it('requires an input only when its visibleRule shows it', () => {
    assert.equal(read({ connection: 'c', storageAccount: 'abc' }).values.timeout, undefined);
    assert.deepEqual(problems({ connection: 'c', storageAccount: 'abc', action: 'apply' }), ["Input required: 'timeout' (Timeout)."]);
  });

  it('keeps a hidden input: its default, or the value a YAML pipeline gives it, read and checked like any other', () => {
    // The agent passes both: a visibleRule only hides an input in the classic editor.
    const hidden = {
      ...definition,
      inputs: [
        ...definition.inputs,
        {
          name: 'key',
          type: 'string',
          label: 'Key',
          defaultValue: 'image.tag',
          visibleRule: 'action = apply',
          validation: { expression: "isMatch(value, '^[a-z.]+$')" },
        },
      ],
    };
    const readHidden = (inputs: Record<string, string>) =>
      readInputs(hidden, compileInputValidator(hidden), { getInput: (n) => inputs[n], setSecret: () => {} });
    assert.equal(readHidden({ connection: 'c', storageAccount: 'abc' }).key, 'image.tag', 'the default of an input its rule hides');
    assert.equal(readHidden({ connection: 'c', storageAccount: 'abc', key: 'app.image.tag' }).key, 'app.image.tag', 'an explicit value is not dropped');
    assert.equal(read({ connection: 'c', storageAccount: 'abc', wait: 'false', timeout: '30' }).values.timeout, 30);
    assert.deepEqual(problems({ connection: 'c', storageAccount: 'abc', wait: 'false', timeout: '99' }), [
      "Input 'timeout' (Timeout) '99' must be a whole number from 1 to 60.",
    ]);
  });

  it('refuses a PromoteEnv pathPattern that is not a path inside the repository, before any git command', () => {
    const promoteEnv = TASK_DEFINITIONS['promote-env'];
    const refused = (pathPattern: string) => {
      const base = {
        configRepoUrl: 'https://dev.azure.com/c/p/_git/r',
        apps: 'web',
        sourceEnvironment: 'dev',
        targetEnvironment: 'staging',
        verify: 'false',
        pathPattern,
      };
      try {
        readInputs(promoteEnv, compileInputValidator(promoteEnv), { getInput: (n) => (base as Record<string, string>)[n], setSecret: () => {} });
        return undefined;
      } catch (error) {
        return (error as Error).message;
      }
    };
    for (const bad of ['/etc/{env}', '../other/{env}', 'apps/../../{env}', '--stdin/{env}', '-h/{env}', 'apps\\{env}', 'apps/{app}'])
      assert.match(refused(bad) ?? 'accepted', /^Input 'pathPattern' \(Path pattern\) '.*' must be a path inside the repository containing \{env\}/, bad);
    for (const good of ['apps/{app}/overlays/{env}', 'charts/{app}/{env}/values.yaml', 'envs/{env}/..hidden/{app}'])
      assert.equal(refused(good), undefined, good);
  });

  it('registers secret inputs the moment they are read and never echoes them in errors', () => {
    assert.deepEqual(read({ connection: 'c', storageAccount: 'abc', token: 'S3cr3tValue' }).secrets, ['S3cr3tValue']);
    const found = problems({ connection: 'c', storageAccount: 'abc', token: 'bad token!' });
    assert.deepEqual(found, ["Input 'token' (Token) (secret) must match ^[A-Za-z0-9]+$."]);
  });

  it('reports an undefined pipeline variable instead of using its literal macro', () => {
    assert.deepEqual(problems({ connection: 'c', storageAccount: '$(storageName)' }), [
      "Input 'storageAccount' (Storage account) is '$(storageName)': no variable of that name is defined in this run.",
    ]);
  });

  it('accepts every shipped task.json (all validation expressions are understood)', () => {
    for (const [name, task] of Object.entries(TASK_DEFINITIONS)) {
      assert.doesNotThrow(() => compileInputValidator(task), name);
      assert.ok(task.execution.Node20_1 && task.execution.Node24, `${name} declares Node20_1 and Node24`);
    }
  });

  it('gives every text input of every shipped task a rule (a new input without one fails here and in the build)', () => {
    for (const [name, task] of Object.entries(TASK_DEFINITIONS))
      for (const input of task.inputs) {
        const ruled = ['boolean', 'pickList', 'radio', 'filePath'].includes(input.type) || input.type.startsWith('connectedService:') || input.validation;
        assert.ok(ruled, `${name}: input '${input.name}' has no validation expression`);
      }
    const unruled = { ...definition, inputs: [{ name: 'x', type: 'string', label: 'X' }] } as TaskDefinition;
    assert.throws(() => compileInputValidator(unruled), /input 'x': a string input needs a validation expression in task.json/);
  });

  it('rejects a task.json with a validation expression it cannot enforce', () => {
    const broken = { ...definition, inputs: [{ name: 'x', type: 'string', label: 'X', validation: { expression: 'isEmail(value)' } }] } as TaskDefinition;
    assert.throws(() => compileInputValidator(broken), /unsupported validation expression 'isEmail\(value\)'/);
  });

  it('compiles to a standalone module that judges inputs exactly as the run-time validator', () => {
    const module = { exports: {} as { default?: unknown } };
    new Function('module', 'exports', 'require', inputValidatorSource(definition))(module, module.exports, require);
    const standalone = (module.exports.default ?? module.exports) as ReturnType<typeof compileInputValidator>;
    const cases = [
      { region: 'EASTus' },
      { region: 'west' },
      { url: 'https://x.example/' },
      { url: 'mailto:a@b' },
      { count: 11 },
      { wait: 'yes' },
      { action: 'apply' },
    ];
    for (const values of cases) {
      const runtime = compileInputValidator(definition);
      assert.equal(standalone(values), runtime(values), JSON.stringify(values));
      assert.deepEqual(
        standalone.errors?.map((e) => e.instancePath),
        runtime.errors?.map((e) => e.instancePath),
        JSON.stringify(values),
      );
    }
  });
});
