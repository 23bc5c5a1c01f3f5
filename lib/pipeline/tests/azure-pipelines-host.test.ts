import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { assertNoSecretLeak } from '../../../test/harness/leak-check';

// task-lib reads the agent's variables when first loaded: give it a temp folder for its key file.
const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-'));
process.env.AGENT_TEMPDIRECTORY = temp;
type Host = typeof import('../azure-pipelines-host').AzurePipelinesHost;
let AzurePipelinesHost: Host;

function captured(body: () => Promise<void> | void): Promise<string> {
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  return Promise.resolve()
    .then(body)
    .finally(() => {
      process.stdout.write = write;
    })
    .then(() => lines.join(''));
}

describe('AzurePipelinesHost: the agent face of a task (logging commands)', () => {
  before(async () => {
    // Loading task-lib prints its start-up debug lines; keep them out of the test report.
    await captured(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      AzurePipelinesHost = (require('../azure-pipelines-host') as typeof import('../azure-pipelines-host')).AzurePipelinesHost;
    });
  });
  after(() => fs.rmSync(temp, { recursive: true, force: true }));

  it('sets a secret output: registered first, then an output variable marked secret', async () => {
    const out = await captured(() => new AzurePipelinesHost().setOutput('storageAccountKey', 'k3y-value-123', { secret: true }));
    const lines = out
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('##vso[task.debug]'));
    assert.deepEqual(lines, [
      '##vso[task.setsecret]k3y-value-123',
      '##vso[task.setvariable variable=storageAccountKey;isOutput=true;issecret=true;]k3y-value-123',
    ]);
    assertNoSecretLeak(out);
  });

  it('sets a plain output, progress, a log group and a summary file', async () => {
    const host = new AzurePipelinesHost();
    const out = await captured(async () => {
      host.setOutput('clusterName', 'aks-gitops-cluster');
      host.progress(42.4, 'creating the cluster');
      await host.group('Plan', async () => host.info('inside'));
      host.summary('ProvisionAks', '| resource | change |');
    });
    assert.match(out, /##vso\[task\.setvariable variable=clusterName;isOutput=true;issecret=false;\]aks-gitops-cluster/);
    assert.match(out, /##vso\[task\.setprogress value=42;\]creating the cluster/);
    assert.match(out, /##\[group\]Plan\ninside\n##\[endgroup\]/);
    const summary = /##vso\[task\.uploadsummary\](.+)/.exec(out)?.[1];
    assert.ok(summary && summary.startsWith(temp), 'the summary is written to the agent temp folder');
    assert.equal(fs.readFileSync(summary, 'utf8'), '## ProvisionAks\n\n| resource | change |\n');
  });

  it('registers each line of a multi-line secret, since setSecret refuses multi-line values', async () => {
    const out = await captured(() =>
      new AzurePipelinesHost().setSecret('-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA1\nZ9yXQ2secondline\n-----END RSA PRIVATE KEY-----'),
    );
    assert.deepEqual(out.trim().split('\n'), ['##vso[task.setsecret]MIIEpAIBAAKCAQEA1', '##vso[task.setsecret]Z9yXQ2secondline']);
  });
});
