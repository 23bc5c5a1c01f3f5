import type { ServerResponse } from 'node:http';
import type { RecordedRequest } from '../harness/fake-server';
import type { Fake } from '../harness/fake-worker';

/** Grafana's annotations HTTP API (POST /api/annotations) behind a service account token. */
export function createFake(options: { token: string }): Fake {
  let next = 1;
  return {
    handle(request: RecordedRequest, res: ServerResponse) {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (request.headers.authorization !== `Bearer ${options.token}`) return send(401, { message: 'Unauthorized' });
      if (request.method !== 'POST' || request.path !== '/api/annotations') return send(404, { message: 'Not found' });
      const body = JSON.parse(request.body);
      if (typeof body.time !== 'number' || typeof body.text !== 'string') return send(400, { message: 'bad request data' });
      return send(200, { message: 'Annotation added', id: next++ });
    },
  };
}
