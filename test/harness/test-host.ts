import { ConsoleHost, type ConsoleHostOptions } from '../../lib/pipeline/console-host';
import { assertNoSecretLeak } from './leak-check';

/** One thing the task said, unmasked, in order. */
export interface Said {
  kind: 'info' | 'debug' | 'warning' | 'group' | 'summary' | 'progress' | 'output';
  text: string;
}

/**
 * The TaskHost test double for unit tests of library code: inputs, variables, service
 * connections and secret registration as the CLI's ConsoleHost has them; everything the task
 * says, sets and how it ends is recorded as is. It masks nothing, so `assertNothingSecretSaid()`
 * can prove that no registered secret reached the log (a masking host would hide the leak).
 */
export class TestHost extends ConsoleHost {
  readonly said: Said[] = [];
  result?: { status: 'succeeded' | 'failed'; message?: string };

  constructor(options: Omit<ConsoleHostOptions, 'write' | 'writeError'> = {}) {
    super({ ...options, write: () => {}, writeError: () => {} });
  }

  override setOutput(name: string, value: string, options: { secret?: boolean } = {}): void {
    if (options.secret) this.setSecret(value);
    this.outputs[name] = value;
    this.said.push({ kind: 'output', text: options.secret ? `${name} (secret)` : `${name}=${value}` });
  }

  override info(text: string): void {
    this.said.push({ kind: 'info', text });
  }

  override debug(text: string): void {
    this.said.push({ kind: 'debug', text });
  }

  override warning(text: string): void {
    this.said.push({ kind: 'warning', text });
  }

  override progress(percent: number, operation: string): void {
    this.said.push({ kind: 'progress', text: `${Math.round(percent)}% ${operation}` });
  }

  override async group<T>(name: string, body: () => Promise<T>): Promise<T> {
    this.said.push({ kind: 'group', text: name });
    return body();
  }

  override summary(title: string, markdown: string): void {
    this.said.push({ kind: 'summary', text: `${title}\n${markdown}` });
  }

  override succeed(message?: string): void {
    this.result = { status: 'succeeded', message };
  }

  override fail(message: string): void {
    this.failed = true;
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
