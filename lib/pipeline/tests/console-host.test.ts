import * as assert from 'node:assert/strict';
import { ConsoleHost } from '../console-host';
import { runTask } from '../run-task';
import { UserError } from '../../user-error';

describe('ConsoleHost: the CLI face of a task', () => {
  function capture() {
    const out: string[] = [];
    const err: string[] = [];
    const host = new ConsoleHost({ write: (l) => out.push(l), writeError: (l) => err.push(l) });
    return { host, out, err };
  }

  it('masks registered secrets, each line of a multi-line one, in everything it prints', () => {
    const { host, out, err } = capture();
    host.setSecret('tok-123456');
    host.setSecret('-----BEGIN KEY-----\nAAAABBBBCCCCDDDD\nEEEEFFFFGGGG\n-----END KEY-----');
    host.info('token tok-123456 and key AAAABBBBCCCCDDDD/EEEEFFFFGGGG');
    host.warning('again tok-123456');
    host.setOutput('password', 'hunter2hunter2', { secret: true });
    assert.deepEqual(out, ['token *** and key ***/***', 'output password = ***']);
    assert.deepEqual(err, ['warning: again ***']);
    assert.equal(host.outputs.password, 'hunter2hunter2');
  });

  it('ends a failed run with the UserError message alone and marks it failed', async () => {
    const { host, err } = capture();
    await runTask(host, async () => {
      throw new UserError("storage account name 'My_Logs' must be 3-24 lowercase letters or digits");
    });
    assert.equal(host.failed, true);
    assert.deepEqual(err, ["error: storage account name 'My_Logs' must be 3-24 lowercase letters or digits"]);
  });

  it('reports an unexpected error with a hint instead of a bare stack trace', async () => {
    const { host, err } = capture();
    await runTask(host, async () => {
      throw new TypeError('boom');
    });
    assert.equal(err.length, 1);
    assert.match(err[0], /^error: Unexpected error: boom\. Run with System\.Debug=true/);
  });
});
