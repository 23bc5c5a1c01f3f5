import * as assert from 'node:assert/strict';
import { TestHost } from '../../../test/harness/test-host';
import { UserError } from '../../user-error';
import { runTask } from '../run-task';

describe('runTask: how a task ends (with the TaskHost test double)', () => {
  it('succeeds with the message the body returns', async () => {
    const host = new TestHost();
    await runTask(host, async () => 'Applied 8 change(s).');
    assert.deepEqual(host.result, { status: 'succeeded', message: 'Applied 8 change(s).' });
  });

  it('fails with a UserError message alone: no stack anywhere', async () => {
    const host = new TestHost();
    await runTask(host, async () => {
      throw new UserError("Input 'registryName': 'acrtakenbyothers' is taken.");
    });
    assert.deepEqual(host.result, { status: 'failed', message: "Input 'registryName': 'acrtakenbyothers' is taken." });
    assert.ok(!host.lines().some((l) => /\n\s+at /.test(l)), 'no stack trace');
  });

  it('fails an unexpected error in one line and puts its stack in the debug log', async () => {
    const host = new TestHost();
    await runTask(host, async () => {
      (undefined as unknown as { split(s: string): void }).split(',');
    });
    assert.equal(host.result?.status, 'failed');
    assert.match(host.result!.message!, /^Unexpected error: Cannot read properties of undefined \(reading 'split'\)\. Run with System\.Debug=true for details/);
    const [stack] = host.lines('debug');
    // tsc writes a map beside each compiled file (out/), so this frame is mapped back as a bundle's would be.
    assert.match(stack, /^TypeError: Cannot read properties of undefined[^\n]*\n\s+at .*\brun-task\.test\.ts:\d+:\d+/, stack);
  });

  it('a secret registered while the task ran never reaches what it said, even in a failure', async () => {
    const host = new TestHost({ variables: { 'System.AccessToken': 'job-token-0123456789' } });
    await runTask(host, async () => {
      const token = host.getVariable('System.AccessToken', true)!;
      host.setOutput('token', token, { secret: true });
      throw new UserError('The push was refused.');
    });
    assert.ok(host.secrets.has('job-token-0123456789'));
    host.assertNothingSecretSaid();
    host.info('job-token-0123456789');
    assert.throws(() => host.assertNothingSecretSaid(), /secret leak/, 'the check can fail');
  });
});
