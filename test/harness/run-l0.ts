import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MockTestRunner } from 'azure-pipelines-task-lib/mock-test';
import { assertNoSecretLeak } from './leak-check';
import { requireFullTier } from './test-tier';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
/** The task bundles that ship, written by `npm run build`. */
export const DIST_TASKS = path.join(REPO_ROOT, 'dist', 'extension', 'tasks');

export interface L0Endpoint {
  url?: string;
  scheme: string;
  parameters: Record<string, string>;
  data?: Record<string, string>;
}

export interface L0Scenario {
  task: string;
  inputs?: Record<string, string>;
  variables?: Record<string, string>;
  secretVariables?: Record<string, string>;
  endpoints?: Record<string, L0Endpoint>;
  /** Values that must never appear in the output, besides those the run registers itself. */
  secrets?: string[];
  /** Makes `module`'s function `name` throw a TypeError inside the task: an unexpected error, as a bug would cause. */
  fault?: { module: string; name: string };
}

/**
 * Runs one shipped task bundle the way the agent does, through MockTestRunner on
 * this machine's Node (no download), and checks the output for leaked secrets.
 */
export async function runL0(scenario: L0Scenario): Promise<MockTestRunner> {
  requireFullTier('An L0 run of a task bundle');
  const taskDir = path.join(DIST_TASKS, scenario.task);
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), `l0-${scenario.task}-`));
  const withAgent = { 'Agent.TempDirectory': temp, 'System.DefaultWorkingDirectory': temp, ...scenario.variables };
  process.env.L0_SCENARIO = JSON.stringify({ ...scenario, variables: withAgent, taskPath: path.join(taskDir, 'index.js') });
  const runner = new MockTestRunner(path.join(__dirname, 'l0-scenario.js'), path.join(taskDir, 'task.json'));
  runner.nodePath = process.execPath;
  try {
    await runner.runAsync();
  } finally {
    delete process.env.L0_SCENARIO;
    fs.rmSync(temp, { recursive: true, force: true });
  }
  const secretValues = [...(scenario.secrets ?? []), ...Object.values(scenario.secretVariables ?? {})];
  assertNoSecretLeak(runner.stdout + '\n' + runner.stderr, secretValues);
  return runner;
}
