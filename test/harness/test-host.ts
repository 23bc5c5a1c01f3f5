import { registerEndpointSecrets, registerSecret, type ServiceEndpoint, type TaskHost } from '../../lib/pipeline/task-host';
import { assertNoSecretLeak } from './leak-check';

export interface TestHostOptions {
  inputs?: Record<string, string | undefined>;
  variables?: Record<string, string | undefined>;
  endpoints?: Record<string, ServiceEndpoint>;
}

/** One thing the task said, unmasked, in order. */
export interface Said {
  kind: 'info' | 'debug' | 'warning' | 'group' | 'summary' | 'progress' | 'output';
  text: string;
}

/**
 * The TaskHost test double for unit tests of library code: inputs, variables and service
 * connections from plain objects; everything the task says, sets and registers is recorded as
 * is. Unlike ConsoleHost it masks nothing, so `assertNothingSecretSaid()` can prove that no
 * registered secret reached the log (a masking host would hide the leak).
 */
export class TestHost implements TaskHost {
  readonly said: Said[] = [];
  readonly outputs: Record<string, { value: string; secret: boolean }> = {};
  readonly secrets = new Set<string>();
  result?: { status: 'succeeded' | 'failed'; message?: string };

  constructor(private readonly options: TestHostOptions = {}) {}

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
    this.outputs[name] = { value, secret: options.secret ?? false };
    this.said.push({ kind: 'output', text: options.secret ? `${name} (secret)` : `${name}=${value}` });
  }

  info(text: string): void {
    this.said.push({ kind: 'info', text });
  }

  debug(text: string): void {
    this.said.push({ kind: 'debug', text });
  }

  warning(text: string): void {
    this.said.push({ kind: 'warning', text });
  }

  progress(percent: number, operation: string): void {
    this.said.push({ kind: 'progress', text: `${Math.round(percent)}% ${operation}` });
  }

  async group<T>(name: string, body: () => Promise<T>): Promise<T> {
    this.said.push({ kind: 'group', text: name });
    return body();
  }

  summary(title: string, markdown: string): void {
    this.said.push({ kind: 'summary', text: `${title}\n${markdown}` });
  }

  succeed(message?: string): void {
    this.result = { status: 'succeeded', message };
  }

  fail(message: string): void {
    this.result = { status: 'failed', message };
  }

  /** What was said of one kind (all kinds when none is given), one entry per call. */
  lines(kind?: Said['kind']): string[] {
    return this.said.filter((s) => !kind || s.kind === kind).map((s) => s.text);
  }

  /** Fails when a registered secret (or its base64 / URL-encoded form) is in anything the task said or its result. */
  assertNothingSecretSaid(): void {
    const text = [...this.lines(), this.result?.message ?? ''].join('\n');
    assertNoSecretLeak(text, [...this.secrets]);
  }
}
