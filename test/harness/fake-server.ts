import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { requireFullTier } from './test-tier';

/** One request as a fake saw it, for assertions. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface FakeServer {
  url: string;
  requests(): Promise<RecordedRequest[]>;
  /** Changes the fake's state (e.g. the next answer) through its `control` function. */
  control(message: unknown): Promise<unknown>;
  stop(): Promise<void>;
}

/**
 * Starts the HTTPS fake defined by `module` (a file exporting `createFake(options)`)
 * in a worker thread on 127.0.0.1. A worker keeps answering while the test thread
 * is blocked, which MockTestRunner's spawnSync does for the whole task run.
 * The server certificate comes from TEST_CA_DIR, set by test/run.js.
 */
export async function startFakeServer(module: string, options: Record<string, unknown> = {}): Promise<FakeServer> {
  requireFullTier(`The fake server ${path.basename(module)}`);
  const dir = process.env.TEST_CA_DIR;
  if (!dir) throw new Error('TEST_CA_DIR is not set: run the tests through npm test');
  const worker = new Worker(path.join(__dirname, 'fake-worker.js'), {
    workerData: { fakeModule: module, options, certFile: path.join(dir, 'server.pem'), keyFile: path.join(dir, 'server.key') },
  });
  let nextId = 0;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  // A fake that crashed fails every call at once with its own error, instead of a test hanging until its timeout.
  let crashed: Error | undefined;
  const crash = (error: Error) => {
    crashed ??= new Error(`The fake server ${path.basename(module)} crashed: ${error.message}`);
    for (const { reject } of pending.values()) reject(crashed);
    pending.clear();
  };
  worker.on('error', crash);
  worker.on('exit', (code) => crash(new Error(`its worker exited with code ${code}`)));
  const ready = new Promise<string>((resolve, reject) => {
    worker.once('error', reject);
    worker.on('message', (message: { type: string; url?: string; id?: number; value?: unknown }) => {
      if (message.type === 'ready') resolve(message.url!);
      else {
        pending.get(message.id!)?.resolve(message.value);
        pending.delete(message.id!);
      }
    });
  });
  const call = (type: string, payload?: unknown) =>
    new Promise<unknown>((resolve, reject) => {
      if (crashed) return reject(crashed);
      const id = ++nextId;
      pending.set(id, { resolve, reject });
      worker.postMessage({ type, id, payload });
    });
  const url = await ready;
  return {
    url,
    requests: async () => (await call('requests')) as RecordedRequest[],
    control: (message) => call('control', message),
    stop: async () => {
      if (!crashed) await call('stop');
      await worker.terminate();
    },
  };
}
