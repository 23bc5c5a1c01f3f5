import * as fs from 'node:fs';
import * as https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import type { RecordedRequest } from './fake-server';

/** What a fake module exports: request handling plus optional state changes from the test. */
export interface Fake {
  handle(request: RecordedRequest, response: ServerResponse, baseUrl: string, rawBody: Buffer): void | Promise<void>;
  control?(message: unknown): unknown;
}

const { fakeModule, options, certFile, keyFile } = workerData as {
  fakeModule: string;
  options: Record<string, unknown>;
  certFile: string;
  keyFile: string;
};
// The fake's module is named at run time (workerData), so it cannot be a static import.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const fake: Fake = require(fakeModule).createFake(options);
const recorded: RecordedRequest[] = [];
let baseUrl = '';

const server = https.createServer({ cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) }, (req: IncomingMessage, res: ServerResponse) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', async () => {
    const url = new URL(req.url ?? '/', baseUrl);
    const raw = Buffer.concat(chunks);
    const request: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body: raw.length > 65536 ? `(${raw.length} bytes)` : raw.toString('utf8'),
    };
    recorded.push(request);
    try {
      await fake.handle(request, res, baseUrl, raw);
    } catch (error) {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'FakeFailure', message: String(error) } }));
    }
  });
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address() as { port: number };
  baseUrl = `https://127.0.0.1:${address.port}`;
  parentPort!.postMessage({ type: 'ready', url: baseUrl });
});

parentPort!.on('message', (message: { type: string; id: number; payload: unknown }) => {
  const reply = (value: unknown) => parentPort!.postMessage({ type: 'reply', id: message.id, value });
  if (message.type === 'requests') reply(recorded);
  else if (message.type === 'control') reply(fake.control?.(message.payload));
  else if (message.type === 'stop') {
    server.closeAllConnections();
    server.close(() => reply(undefined));
  }
});
