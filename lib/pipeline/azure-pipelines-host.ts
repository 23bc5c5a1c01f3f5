import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as taskLibInternal from 'azure-pipelines-task-lib/internal';
import * as tl from 'azure-pipelines-task-lib/task';
import { registerEndpointSecrets, registerSecret, type ServiceEndpoint, type TaskHost } from './task-host';

/** The TaskHost of a task running on an Azure Pipelines agent; the only importer of azure-pipelines-task-lib. */
export class AzurePipelinesHost implements TaskHost {
  private summaries = 0;

  getInput(name: string, secret = false): string | undefined {
    // tl.getInput writes `name=value` to the debug log before anyone could mask
    // the value; a secret input is read from the task-lib vault the same way, silently.
    if (secret) return taskLibInternal._vault.retrieveSecret(`INPUT_${taskLibInternal._getVariableKey(name)}`);
    return tl.getInput(name, false);
  }

  getVariable(name: string, secret = false): string | undefined {
    if (!secret) return tl.getVariable(name);
    // As tl.getVariable, minus its `name=value` debug line.
    const key = taskLibInternal._getVariableKey(name);
    const value = taskLibInternal._knownVariableMap[key]?.secret ? taskLibInternal._vault.retrieveSecret(`SECRET_${key}`) : process.env[key];
    if (value) this.setSecret(value);
    return value;
  }

  setSecret(value: string): void {
    registerSecret(value, (line) => tl.setSecret(line));
  }

  getEndpoint(id: string): ServiceEndpoint | undefined {
    const auth = tl.getEndpointAuthorization(id, true);
    if (!auth) return undefined;
    const parameters = { ...(auth.parameters ?? {}) };
    registerEndpointSecrets(parameters, (value) => this.setSecret(value));
    return {
      id,
      url: tl.getEndpointUrl(id, true),
      authorization: { scheme: auth.scheme, parameters },
      data: (key) => tl.getEndpointDataParameter(id, key, true),
    };
  }

  setOutput(name: string, value: string, options: { secret?: boolean } = {}): void {
    if (options.secret) this.setSecret(value);
    tl.setVariable(name, value, options.secret ?? false, true);
  }

  info(message: string): void {
    console.log(message);
  }

  debug(message: string): void {
    tl.debug(message);
  }

  warning(message: string): void {
    tl.warning(message);
  }

  progress(percent: number, operation: string): void {
    tl.setProgress(Math.round(percent), operation);
  }

  async group<T>(name: string, body: () => Promise<T>): Promise<T> {
    console.log(`##[group]${name}`);
    try {
      return await body();
    } finally {
      console.log('##[endgroup]');
    }
  }

  summary(title: string, markdown: string): void {
    const dir = tl.getVariable('Agent.TempDirectory') || os.tmpdir();
    const file = path.join(dir, `gitops-stack-summary-${process.pid}-${++this.summaries}.md`);
    fs.writeFileSync(file, `## ${title}\n\n${markdown}\n`);
    tl.uploadSummary(file);
  }

  succeed(message?: string): void {
    tl.setResult(tl.TaskResult.Succeeded, message ?? '');
  }

  fail(message: string): void {
    tl.setResult(tl.TaskResult.Failed, message);
  }
}
