import { execFile } from 'node:child_process';
import { requireFullTier } from '../harness/test-tier';

/** One decision of Argo CD's notification controller about one step: a message sent, or held back as already sent. */
export interface Delivery {
  step: number;
  app?: string;
  trigger?: string;
  service?: string;
  recipient?: string;
  alreadyNotified: boolean;
  error?: string;
}

export interface EngineRequest {
  namespace: string;
  configMap: Record<string, string>;
  /** The Secret's values, decoded. */
  secret: Record<string, string>;
  /** The states of the Applications in order: each a whole Application object. */
  steps: object[];
}

/**
 * Runs Argo CD's notification engine (test/notifications/checker, built by test/notifications/build
 * and named by test/run.js) over one sequence of Application states. The engine sends for real: to
 * the SMTP host of the ConfigMap's service.email and the apiURL of its service.slack.
 */
export function runNotificationEngine(request: EngineRequest): Promise<Delivery[]> {
  requireFullTier('The notification engine checker');
  const checker = process.env.NOTIFICATIONS_CHECKER;
  if (!checker) throw new Error('NOTIFICATIONS_CHECKER is not set: run the tests through npm test');
  return new Promise((resolve, reject) => {
    // Go reads its trusted roots from SSL_CERT_FILE: the test CA, which signed the fakes' certificates.
    const child = execFile(
      checker,
      [],
      { env: { ...process.env, SSL_CERT_FILE: process.env.NODE_EXTRA_CA_CERTS }, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`${error.message}\n${stderr}`));
        resolve(
          stdout
            .split('\n')
            .filter(Boolean)
            .map((line) => JSON.parse(line) as Delivery),
        );
      },
    );
    child.stdin!.end(JSON.stringify(request));
  });
}
