import type { ServerResponse } from 'node:http';
import type { RecordedRequest } from '../harness/fake-server';
import type { Fake } from '../harness/fake-worker';

/**
 * An OTLP/HTTP receiver (JSON encoding, POST /v1/traces), optionally behind a
 * bearer token as DeployObservability's public endpoint is. As collectors do, it
 * refuses a body that is not an ExportTraceServiceRequest with 400.
 */
export function createFake(options: { token?: string }): Fake {
  return {
    handle(request: RecordedRequest, res: ServerResponse) {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (options.token && request.headers.authorization !== `Bearer ${options.token}`)
        return send(401, { code: 16, message: 'missing or wrong bearer token' });
      if (request.method !== 'POST' || request.path !== '/v1/traces') return send(404, { code: 5, message: `no route ${request.path}` });
      if (!String(request.headers['content-type']).startsWith('application/json')) return send(415, { code: 3, message: 'unsupported content type' });
      let body: { resourceSpans?: unknown };
      try {
        body = JSON.parse(request.body);
      } catch {
        return send(400, { code: 3, message: 'body is not JSON' });
      }
      if (!Array.isArray(body.resourceSpans)) return send(400, { code: 3, message: 'resourceSpans missing' });
      return send(200, {});
    },
  };
}
