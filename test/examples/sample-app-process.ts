import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../harness/run-l0';
import { requireFullTier } from '../harness/test-tier';

export interface SampleApp {
  url: string;
  logs: Record<string, unknown>[];
  databasePath: string;
  stop(): Promise<void>;
}

/** Starts the built sample app (examples/sample-app/dist) on a free port and collects its JSON log lines. */
export async function startSampleApp(
  env: Record<string, string> = {},
  databasePath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sample-app-')), 'data', 'app.db'),
): Promise<SampleApp> {
  requireFullTier('The sample app');
  const child: ChildProcess = spawn(process.execPath, [path.join(REPO_ROOT, 'examples', 'sample-app', 'dist', 'server.js')], {
    env: { PATH: process.env.PATH, PORT: '0', HOST: '127.0.0.1', DATABASE_PATH: databasePath, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
  let buffer = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sample app did not start: ${stderr}`)), 15000);
    child.once('exit', (code) => reject(new Error(`sample app exited with ${code}: ${stderr}`)));
    child.stdout!.on('data', (chunk) => {
      buffer += String(chunk);
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (entry.msg === 'listening') {
          clearTimeout(timer);
          resolve(entry.port as number);
        }
      }
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    logs,
    databasePath,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
