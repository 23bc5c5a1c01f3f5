import * as assert from 'node:assert/strict';
import { TestHost } from '../../../test/harness/test-host';
import type { ServiceEndpoint } from '../../pipeline/task-host';
import { gitConnectionCredentials } from '../git-connection';

const endpoint = (id: string, scheme: string, parameters: Record<string, string>): ServiceEndpoint => ({
  id,
  url: 'https://dev.azure.com/contoso',
  authorization: { scheme, parameters },
  data: () => undefined,
});

describe('git service connections: one reading for PromoteEnv and ArgoCDRegister', () => {
  it('takes username + password, or a token with username git, and registers the secret', () => {
    const host = new TestHost({
      endpoints: {
        generic: endpoint('generic', 'UsernamePassword', { username: 'build', password: 'pw-0123456789' }),
        token: endpoint('token', 'Token', { apitoken: 'pat-0123456789' }),
      },
    });
    assert.deepEqual(gitConnectionCredentials(host, 'gitServiceConnection', 'generic'), { username: 'build', password: 'pw-0123456789' });
    assert.deepEqual(gitConnectionCredentials(host, 'gitServiceConnection', 'token'), { username: 'git', password: 'pat-0123456789' });
    assert.ok(host.secrets.has('pw-0123456789') && host.secrets.has('pat-0123456789'));
  });

  it('names the input when the connection is missing or carries no secret', () => {
    const host = new TestHost({ endpoints: { empty: endpoint('empty', 'UsernamePassword', { username: 'build' }) } });
    assert.throws(
      () => gitConnectionCredentials(host, 'gitServiceConnection', 'nope'),
      /^UserError: Input 'gitServiceConnection': service connection 'nope' was not found\.$/,
    );
    assert.throws(() => gitConnectionCredentials(host, 'gitServiceConnection', 'empty'), /service connection 'empty' has no password or token/);
  });
});
