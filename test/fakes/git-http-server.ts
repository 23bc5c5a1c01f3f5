import { spawn } from 'node:child_process';
import type { ServerResponse } from 'node:http';
import type { RecordedRequest } from '../harness/fake-server';
import type { Fake } from '../harness/fake-worker';

/**
 * Git's smart HTTP protocol, served by the real `git http-backend` (CGI), behind
 * a check that every request carries the token: `Authorization: Bearer <token>`, as
 * Azure Repos demands of System.AccessToken, or (`scheme: 'basic'`) HTTP basic auth
 * with any username and the token as password, as git hosts take a PAT. Others get 401.
 */
export interface GitHttpOptions {
  /** Folder holding the bare repositories. */
  projectRoot: string;
  token: string;
  scheme?: 'bearer' | 'basic';
}

export function createFake(options: GitHttpOptions): Fake {
  return {
    handle(request: RecordedRequest, res: ServerResponse, _baseUrl: string, raw: Buffer) {
      if (!authorized(request, options.token, res, options.scheme)) return;
      return serveGit(request, res, raw, options.projectRoot, request.path);
    },
  };
}

/** Answers 401 unless the request carries the token the way `scheme` says. */
export function authorized(request: RecordedRequest, token: string, res: ServerResponse, scheme: 'bearer' | 'basic' = 'bearer'): boolean {
  const auth = String(request.headers.authorization ?? '');
  if (scheme === 'bearer' && /^bearer /i.test(auth) && auth.slice(7) === token) return true;
  if (scheme === 'basic' && /^basic /i.test(auth)) {
    const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
    if (decoded.slice(decoded.indexOf(':') + 1) === token && decoded.indexOf(':') > 0) return true;
  }
  res.writeHead(401, { 'www-authenticate': 'Basic realm="config repo"', 'content-type': 'text/plain' });
  res.end('TF400813: Resource not available for anonymous access.\n');
  return false;
}

/** Runs `git http-backend` for one request; `pathInfo` names the repository under `projectRoot`. */
export function serveGit(request: RecordedRequest, res: ServerResponse, raw: Buffer, projectRoot: string, pathInfo: string): Promise<void> {
  return new Promise<void>((resolve) => {
    const cgi = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: projectRoot,
        GIT_HTTP_EXPORT_ALL: '1',
        REQUEST_METHOD: request.method,
        PATH_INFO: pathInfo,
        QUERY_STRING: new URLSearchParams(request.query).toString(),
        CONTENT_TYPE: String(request.headers['content-type'] ?? ''),
        CONTENT_LENGTH: String(raw.length),
        HTTP_CONTENT_ENCODING: String(request.headers['content-encoding'] ?? ''),
        GIT_PROTOCOL: String(request.headers['git-protocol'] ?? ''),
        REMOTE_USER: 'promoter',
        REMOTE_ADDR: '127.0.0.1',
      },
    });
    const out: Buffer[] = [];
    let failed = false;
    // git may exit before it has read the whole request (it refused it): the write then fails with
    // EPIPE, which must not take the fake down; what git answered is still sent.
    cgi.stdin.on('error', () => {});
    cgi.on('error', (error) => {
      failed = true;
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`git http-backend could not run: ${error.message}`);
      resolve();
    });
    cgi.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    cgi.on('close', () => {
      if (failed) return;
      const response = Buffer.concat(out);
      const split = response.indexOf('\r\n\r\n');
      const headers: Record<string, string> = {};
      let status = 200;
      for (const line of response.subarray(0, split).toString('utf8').split('\r\n')) {
        const [key, ...value] = line.split(':');
        if (key.toLowerCase() === 'status') status = Number(value.join(':').trim().split(' ')[0]);
        else if (key) headers[key.toLowerCase()] = value.join(':').trim();
      }
      res.writeHead(status, headers);
      res.end(response.subarray(split + 4));
      resolve();
    });
    cgi.stdin.end(raw);
  });
}
