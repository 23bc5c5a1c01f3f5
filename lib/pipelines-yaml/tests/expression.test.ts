import * as assert from 'node:assert/strict';
import { evaluateExpression, type Context } from '../expression';

const context: Context = {
  parameters: { env: 'Prod', replicas: 3, enabled: true, list: ['one', 'Two', 'three'], map: { dev: 'eastus', prod: 'westeurope' }, empty: '' },
  variables: { 'Build.SourceBranch': 'refs/heads/main', version: '1.4.2' },
};
const e = (text: string) => evaluateExpression(text, context);

describe('template expressions (documented Azure Pipelines semantics)', () => {
  it('reads literals: case-insensitive booleans, null, numbers, strings with doubled quotes', () => {
    assert.equal(e('TRUE'), true);
    assert.equal(e('False'), false);
    assert.equal(e('null'), null);
    assert.equal(e('-1.2'), -1.2);
    assert.equal(e("'it''s'"), "it's");
  });

  it('dereferences properties and indexes, keys ignoring case; a miss is null', () => {
    assert.equal(e('parameters.ENV'), 'Prod');
    assert.equal(e("parameters['env']"), 'Prod');
    assert.equal(e('parameters.list[1]'), 'Two');
    assert.equal(e("variables['Build.SourceBranch']"), 'refs/heads/main');
    assert.equal(e('parameters.map[parameters.env]'), 'westeurope');
    assert.equal(e("variables['noSuch']"), null);
  });

  it('filters arrays with .*: a property of every item, items without it dropped', () => {
    const context: Context = {
      parameters: {
        environments: [{ name: 'dev' }, { name: 'staging', sync: 'manual' }, { name: 'prod', sync: 'manual' }],
        regions: { eu: { name: 'westeurope' }, us: { name: 'eastus' } },
      },
    };
    assert.deepEqual(evaluateExpression('parameters.environments.*.name', context), ['dev', 'staging', 'prod']);
    assert.deepEqual(evaluateExpression('parameters.environments.*.sync', context), ['manual', 'manual']);
    assert.equal(evaluateExpression("join(',', parameters.environments.*.name)", context), 'dev,staging,prod');
    assert.deepEqual(evaluateExpression('parameters.regions.*.name', context), ['westeurope', 'eastus'], 'a mapping filters its values');
    assert.equal(evaluateExpression("containsValue(parameters.environments.*.name, 'PROD')", context), true);
  });

  it('eq and ne cast the right side to the left type and compare strings ignoring case', () => {
    assert.equal(e("eq('ABC', 'abc')"), true);
    assert.equal(e("eq(parameters.replicas, '3')"), true);
    assert.equal(e("eq('3', parameters.replicas)"), true);
    assert.equal(e("eq(true, 'anything')"), true, 'a non-empty string is true');
    assert.equal(e("eq(1, 'abc')"), false, 'a failed cast compares unequal');
    assert.equal(e("ne(parameters.env, 'prod')"), false);
    assert.equal(e('eq(parameters.empty, 0)'), false, "'' vs '0' as strings");
    assert.equal(e('eq(0, parameters.empty)'), true, "'' casts to the number 0");
  });

  it('gt, ge, lt, le cast the same way and fail on what cannot be compared', () => {
    assert.equal(e("gt(5, '3')"), true);
    assert.equal(e("lt('a', 'B')"), true);
    assert.equal(e('ge(parameters.replicas, 3)'), true);
    assert.equal(e('le(2, 1)'), false);
    assert.throws(() => e("gt(1, 'x')"), /gt\(\): cannot compare 1 with x/);
  });

  it('and and or short-circuit; not and xor cast to booleans', () => {
    assert.equal(e('and(false, noSuchName)'), false);
    assert.equal(e('or(true, noSuchName)'), true);
    assert.throws(() => e('and(true, noSuchName)'), /Unrecognized value: 'noSuchName'/);
    assert.equal(e("not('')"), true);
    assert.equal(e('xor(true, 0)'), true);
  });

  it('in, notIn, contains, containsValue, startsWith, endsWith ignore case', () => {
    assert.equal(e("in(parameters.env, 'dev', 'PROD')"), true);
    assert.equal(e("notIn('qa', 'dev', 'prod')"), true);
    assert.equal(e("contains('ABCDE', 'bcd')"), true);
    assert.equal(e("containsValue(parameters.list, 'two')"), true);
    assert.equal(e("containsValue(parameters.map, 'EASTUS')"), true);
    assert.equal(e("startsWith(variables['Build.SourceBranch'], 'REFS/heads/')"), true);
    assert.equal(e("endsWith('image.YAML', '.yaml')"), true);
  });

  it('join, format, coalesce, convertToJson, replace, split, lower, upper, length, iif', () => {
    assert.equal(e("join(';', parameters.list)"), 'one;Two;three');
    assert.equal(e("join(',', 'single')"), 'single');
    assert.equal(e("format('{0} build {1} {{literal}}', 'Pipeline', parameters.replicas)"), 'Pipeline build 3 {literal}');
    assert.equal(e("coalesce(variables['noSuch'], parameters.empty, 'fallback')"), 'fallback');
    assert.equal(e('convertToJson(parameters.list)'), '[\n  "one",\n  "Two",\n  "three"\n]');
    assert.equal(e("replace('https://old.example/x', 'https://old.example', 'http://new')"), 'http://new/x');
    assert.deepEqual(e("split('a,b,c', ',')"), ['a', 'b', 'c']);
    assert.equal(e("lower('ABC')"), 'abc');
    assert.equal(e('upper(parameters.env)'), 'PROD');
    assert.equal(e('length(parameters.list)'), 3);
    assert.equal(e('length(parameters.map)'), 2);
    assert.equal(e("length('four')"), 4);
    assert.equal(e("iif(eq(parameters.env, 'prod'), 'approve', 'auto')"), 'approve');
    assert.equal(e('iif(false, noSuchName, 2)'), 2, 'iif evaluates only the branch it takes');
  });

  it('coalesce returns the first value neither null nor empty, else the last argument', () => {
    assert.equal(e("coalesce(variables.noSuch, '', 'x')"), 'x');
    assert.equal(e("coalesce(variables.noSuch, '')"), '');
    assert.equal(e("coalesce('', variables.noSuch)"), null);
  });

  it('names the problem in a malformed expression', () => {
    assert.throws(() => e("eq('a', 'b'"), /expected '\)' to close eq\(/);
    assert.throws(() => e("'open"), /unterminated string/);
    assert.throws(() => e('frobnicate(1)'), /Unrecognized function name: 'frobnicate'/);
    for (const name of ['constructor', 'toString', 'hasOwnProperty', '__proto__', 'valueOf'])
      assert.throws(() => e(`${name}(1)`), /Unrecognized function name/, name);
    assert.throws(() => e("eq('a')"), /eq\(\) takes 2 arguments, not 1/);
    assert.throws(() => e('1.2.3'), /version literals are not supported/);
  });
});
