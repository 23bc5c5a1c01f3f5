// Telemetry first: OpenTelemetry patches `http` when it is loaded.
import { startTelemetry, stopTelemetry } from './telemetry';

startTelemetry();

import { createServer } from './app';
import { openDatabase } from './db';
import { log } from './log';

const port = Number(process.env.PORT ?? 3000);
const db = openDatabase(process.env.DATABASE_PATH ?? 'data/sample-app.db');
const server = createServer(db);
server.listen(port, process.env.HOST ?? '0.0.0.0', () => {
  const address = server.address();
  log('info', 'listening', { port: typeof address === 'object' && address ? address.port : port });
});

// Kubernetes sends SIGTERM: finish requests in flight, flush telemetry, close the database.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    log('info', 'shutting down', { signal });
    server.close(async () => {
      // Flush what telemetry can in 2 s; an unreachable collector must not hold the pod.
      await Promise.race([stopTelemetry(), new Promise((resolve) => setTimeout(resolve, 2000))]);
      db.close();
      process.exit(0);
    });
    setTimeout(() => process.exit(0), 10_000).unref();
  });
}
