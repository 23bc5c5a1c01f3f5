import { startTaskTrace } from '../telemetry/task-trace';
import { UserError } from '../user-error';
import { sourceMappedStack } from './source-mapped-stack';
import type { TaskHost } from './task-host';

/**
 * Runs a task body and reports its result. An expected failure (UserError) ends
 * the task with its message alone; anything else is reported with its stack in
 * the debug log, so a task never ends with only a stack trace. With an OTLP
 * endpoint configured, the run is also sent as a span (lib/telemetry).
 */
export async function runTask(host: TaskHost, body: () => Promise<string | void>, taskName?: string): Promise<void> {
  const trace = taskName ? startTaskTrace(host, taskName) : undefined;
  let failure: string | undefined;
  try {
    const message = await body();
    await trace?.finish('success');
    host.succeed(message ?? undefined);
  } catch (error) {
    if (error instanceof UserError) {
      failure = error.message;
    } else {
      const err = error instanceof Error ? error : new Error(String(error));
      host.debug(err.stack ? sourceMappedStack(err.stack) : err.message);
      failure = `Unexpected error: ${err.message}. Run with System.Debug=true for details, and report it if it persists.`;
    }
    await trace?.finish('failure', failure);
    host.fail(failure);
  }
}
