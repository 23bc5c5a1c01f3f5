import { registerEndpointSecrets, registerSecret, type ServiceEndpoint, type TaskHost } from './task-host';

export interface ConsoleHostOptions {
  inputs?: Record<string, string | undefined>;
  variables?: Record<string, string | undefined>;
  endpoints?: Record<string, ServiceEndpoint>;
  write?: (line: string) => void;
  writeError?: (line: string) => void;
}

/**
 * The TaskHost of the CLI: inputs come from flags and the stack file, and
 * every registered secret is replaced by *** in anything it prints, as the agent does.
 */
export class ConsoleHost implements TaskHost {
  readonly outputs: Record<string, string> = {};
  failed = false;
  /** Every value registered as a secret (each line of a multi-line one). */
  readonly secrets = new Set<string>();
  private readonly write: (line: string) => void;
  private readonly writeError: (line: string) => void;

  constructor(private readonly options: ConsoleHostOptions = {}) {
    this.write = options.write ?? ((line) => process.stdout.write(`${line}\n`));
    this.writeError = options.writeError ?? ((line) => process.stderr.write(`${line}\n`));
  }

  getInput(name: string): string | undefined {
    return this.options.inputs?.[name];
  }

  getVariable(name: string, secret = false): string | undefined {
    const value = this.options.variables?.[name];
    if (secret && value) this.setSecret(value);
    return value;
  }

  setSecret(value: string): void {
    registerSecret(value, (line) => this.secrets.add(line));
  }

  getEndpoint(id: string): ServiceEndpoint | undefined {
    const endpoint = this.options.endpoints?.[id];
    registerEndpointSecrets(endpoint?.authorization.parameters ?? {}, (value) => this.setSecret(value));
    return endpoint;
  }

  setOutput(name: string, value: string, options: { secret?: boolean } = {}): void {
    if (options.secret) this.setSecret(value);
    this.outputs[name] = value;
    this.info(`output ${name} = ${value}`);
  }

  mask(text: string): string {
    let masked = text;
    for (const secret of [...this.secrets].sort((a, b) => b.length - a.length)) masked = masked.split(secret).join('***');
    return masked;
  }

  info(message: string): void {
    this.write(this.mask(message));
  }

  debug(message: string): void {
    if (this.options.variables?.['System.Debug'] === 'true') this.write(this.mask(`debug: ${message}`));
  }

  warning(message: string): void {
    this.writeError(this.mask(`warning: ${message}`));
  }

  progress(percent: number, operation: string): void {
    this.debug(`${Math.round(percent)}% ${operation}`);
  }

  async group<T>(name: string, body: () => Promise<T>): Promise<T> {
    this.info(`\n== ${name}`);
    return body();
  }

  summary(title: string, markdown: string): void {
    this.info(`\n# ${title}\n\n${markdown}`);
  }

  succeed(message?: string): void {
    if (message) this.info(message);
  }

  fail(message: string): void {
    this.failed = true;
    this.writeError(this.mask(`error: ${message}`));
  }
}
