import * as assert from 'node:assert/strict';
import { assertNoSecretLeak, registeredSecrets } from './leak-check';

describe('secret leak check', () => {
  const registered = '##vso[task.setsecret]p@ss;word;]x\n';

  it('finds the values a run registered, unescaping the command data', () => {
    const { secrets } = registeredSecrets(
      '##vso[task.setsecret]abc%AZP25def\n##vso[task.setvariable variable=k;isOutput=true;issecret=true;]key-value-1\nplain',
    );
    assert.deepEqual(secrets, ['abc%def', 'key-value-1']);
  });

  it('passes output that only registers secrets', () => {
    assertNoSecretLeak(`${registered}connected as ***`);
  });

  it('fails on a registered secret printed raw, base64- or URL-encoded', () => {
    const secret = 'p@ss;word;]x';
    for (const form of [secret, Buffer.from(secret).toString('base64'), encodeURIComponent(secret)]) {
      assert.throws(() => assertNoSecretLeak(`${registered}header: ${form}`), /secret leak/, form);
    }
  });

  it('fails on a secret the test names even when the run never registered it', () => {
    assert.throws(() => assertNoSecretLeak('token=abcd1234efgh', ['abcd1234efgh']), /secret leak/);
  });
});
