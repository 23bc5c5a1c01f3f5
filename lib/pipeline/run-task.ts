import { UserError } from '../user-error';
import type { TaskHost } from './task-host';

/**
 * Runs a task body and reports its result. An expected failure (UserError) ends
 * the task with its message alone; anything else is reported with its stack in
 * the debug log, so a task never ends with only a stack trace.
 */
export async function runTask(host: TaskHost, body: () => Promise<string | void>): Promise<void> {
  try {
    const message = await body();
    host.succeed(message ?? undefined);
  } catch (error) {
    if (error instanceof UserError) {
      host.fail(error.message);
      return;
    }
    const err = error instanceof Error ? error : new Error(String(error));
    host.debug(err.stack ?? err.message);
    host.fail(`Unexpected error: ${err.message}. Run with System.Debug=true for details, and report it if it persists.`);
  }
}
