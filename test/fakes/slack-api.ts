import type { ServerResponse } from 'node:http';
import type { RecordedRequest } from '../harness/fake-server';
import type { Fake } from '../harness/fake-worker';

/**
 * Slack's Web API chat.postMessage as a bot token sees it (https://api.slack.com/methods/chat.postMessage):
 * a form-encoded or JSON body, the token as a bearer; `ok: false` with Slack's error codes
 * (invalid_auth, channel_not_found, invalid_attachments) on HTTP 200, as Slack answers.
 */
export function createFake(options: { token: string; channels: string[] }): Fake {
  let ts = 1_700_000_000;
  return {
    handle(request: RecordedRequest, res: ServerResponse) {
      const send = (body: unknown) => {
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify(body));
      };
      if (request.method !== 'POST' || !request.path.endsWith('/chat.postMessage')) {
        res.writeHead(404);
        res.end();
        return;
      }
      const form = request.headers['content-type']?.toString().includes('json')
        ? (JSON.parse(request.body) as Record<string, string>)
        : Object.fromEntries(new URLSearchParams(request.body));
      const token = String(request.headers.authorization ?? '').replace(/^Bearer /, '') || form.token;
      if (token !== options.token) return send({ ok: false, error: 'invalid_auth' });
      const channel = String(form.channel ?? '').replace(/^#/, '');
      if (!options.channels.includes(channel)) return send({ ok: false, error: 'channel_not_found' });
      if (form.attachments !== undefined) {
        try {
          if (!Array.isArray(typeof form.attachments === 'string' ? JSON.parse(form.attachments) : form.attachments)) throw new Error('not a list');
        } catch {
          return send({ ok: false, error: 'invalid_attachments' });
        }
      }
      return send({ ok: true, channel: `C${channel.toUpperCase()}`, ts: `${ts++}.000100` });
    },
  };
}
