import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { REPO_ROOT } from '../harness/run-l0';
import { parse as parseYaml } from 'yaml';
import { stackOptions } from '../../lib/observability/options';
import { renderStack } from '../../lib/observability/render-stack';
import { baseInputs } from '../../lib/observability/tests/render-stack.test';
import { type SampleApp, startSampleApp } from './sample-app-process';

type Json = any;

async function call(app: SampleApp, method: string, path: string, body?: unknown, contentType = 'application/json') {
  const response = await fetch(`${app.url}${path}`, {
    method,
    headers: body === undefined ? undefined : { 'content-type': contentType },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Json, headers: response.headers };
}

describe('sample app: the HTTP API', function () {
  this.timeout(30000);
  let app: SampleApp;
  // Each test has its own app and database: the data it reads are its own.
  beforeEach(async () => {
    app = await startSampleApp();
  });
  afterEach(() => app?.stop());

  it('GET / greets and lists the endpoints; GET /health reports the database and telemetry', async () => {
    const root = await call(app, 'GET', '/');
    assert.equal(root.status, 200);
    assert.equal(root.body.greeting, 'Hello from GitOps Sample App with Observability!');
    assert.ok(root.body.endpoints.includes('POST /api/orders'));
    const health = await call(app, 'GET', '/health');
    assert.equal(health.status, 200);
    assert.equal(health.body.status, 'ok');
    assert.equal(health.body.checks.database.status, 'ok');
    assert.deepEqual(health.body.checks.telemetry, { traces: 'off', profiles: 'off' });
  });

  it('creates and lists users, refusing bad input with what is wrong and duplicates with 409', async () => {
    const created = await call(app, 'POST', '/api/users', { name: ' Ada Lovelace ', email: 'ada@example.com' });
    assert.equal(created.status, 201);
    assert.equal(created.body.name, 'Ada Lovelace');
    assert.ok(Number.isInteger(created.body.id));
    const list = await call(app, 'GET', '/api/users');
    assert.ok(list.body.some((u: Json) => u.email === 'ada@example.com'));
    const bad = await call(app, 'POST', '/api/users', { name: '', email: 'nope' });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.details, ['name: required, a non-empty string', 'email: required, an e-mail address such as ada@example.com']);
    assert.equal((await call(app, 'POST', '/api/users', { name: 'Ada', email: 'ADA@example.com' })).status, 409, 'e-mail addresses compare ignoring case');
    assert.equal((await call(app, 'POST', '/api/users', '{"name": "x",')).body.error, 'the body is not valid JSON');
    assert.equal((await call(app, 'POST', '/api/users', 'name=x', 'application/x-www-form-urlencoded')).status, 415);
    assert.equal((await call(app, 'POST', '/api/users', [1, 2])).status, 400);
  });

  it('lists and searches products by name and category', async () => {
    const all = await call(app, 'GET', '/api/products');
    assert.equal(all.body.count, 8);
    const books = await call(app, 'GET', '/api/products?category=books');
    assert.deepEqual(
      books.body.products.map((p: Json) => p.category),
      ['books', 'books', 'books'],
    );
    const search = await call(app, 'GET', '/api/products?search=OPS');
    assert.deepEqual(
      search.body.products.map((p: Json) => p.name),
      ['GitOps Cookbook'],
    );
    assert.equal((await call(app, 'GET', '/api/products?search=%25')).body.count, 0, "'%' is searched for, not a wildcard");
    assert.equal((await call(app, 'GET', `/api/products?search=${'x'.repeat(101)}`)).status, 400);
  });

  it('places orders in a transaction: totals, stock, and clear 400/404/409 answers', async () => {
    const user = (await call(app, 'POST', '/api/users', { name: 'Grace', email: 'grace@example.com' })).body;
    const order = await call(app, 'POST', '/api/orders', {
      userId: user.id,
      items: [
        { productId: 1, quantity: 2 },
        { productId: 8, quantity: 1 },
      ],
    });
    assert.equal(order.status, 201);
    assert.equal(order.body.total, 2 * 49.99 + 19.99);
    const stock = (await call(app, 'GET', '/api/products?search=Kubernetes')).body.products[0].stock;
    assert.equal(stock, 118);
    const invalid = await call(app, 'POST', '/api/orders', {
      userId: 'x',
      items: [
        { productId: 1, quantity: 0 },
        { productId: 1, quantity: 1 },
      ],
    });
    assert.equal(invalid.status, 400);
    assert.deepEqual(invalid.body.details, [
      'userId: required, a positive integer',
      'items[0].quantity: an integer from 1 to 100',
      'items: each product at most once',
    ]);
    assert.equal((await call(app, 'POST', '/api/orders', { userId: 999, items: [{ productId: 1, quantity: 1 }] })).status, 404);
    const missing = await call(app, 'POST', '/api/orders', {
      userId: user.id,
      items: [
        { productId: 2, quantity: 1 },
        { productId: 999, quantity: 1 },
      ],
    });
    assert.equal(missing.status, 404);
    assert.equal((await call(app, 'GET', '/api/products?search=GitOps')).body.products[0].stock, 80, 'a failed order changes no stock');
    const tooMany = await call(app, 'POST', '/api/orders', { userId: user.id, items: [{ productId: 6, quantity: 16 }] });
    assert.deepEqual([tooMany.status, tooMany.body.error], [409, 'product 6 has 15 in stock, 16 ordered']);
  });

  it('GET /api/slow takes its time; GET /api/error fails for real with 500; unknown routes and methods get 404 and 405', async () => {
    const started = Date.now();
    const slow = await call(app, 'GET', '/api/slow?ms=300');
    assert.equal(slow.body.delayedMs, 300);
    assert.ok(Date.now() - started >= 290);
    const error = await call(app, 'GET', '/api/error');
    assert.deepEqual([error.status, error.body.detail], [500, 'no such table: inventory_audit']);
    assert.equal((await call(app, 'GET', '/api/nothing')).status, 404);
    const wrong = await call(app, 'DELETE', '/api/users');
    assert.deepEqual([wrong.status, wrong.headers.get('allow')], [405, 'GET, POST']);
  });

  it('keeps its data across restarts and migrates once', async () => {
    assert.equal((await call(app, 'POST', '/api/users', { name: 'Ada Lovelace', email: 'ada@example.com' })).status, 201);
    await app.stop();
    app = await startSampleApp({}, app.databasePath);
    assert.ok((await call(app, 'GET', '/api/users')).body.some((u: Json) => u.email === 'ada@example.com'));
    assert.equal((await call(app, 'GET', '/api/products')).body.count, 8, 'seed data inserted once');
  });
});

/** An OTLP/HTTP receiver (JSON encoding) for the test: what the app exports lands here. */
function otlpReceiver() {
  const spans: Json[] = [];
  const metrics: Json[] = [];
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const data = JSON.parse(body || '{}');
      if (request.url === '/v1/traces') {
        for (const rs of data.resourceSpans ?? [])
          for (const ss of rs.scopeSpans ?? []) for (const span of ss.spans ?? []) spans.push({ ...span, resource: rs.resource });
      } else if (request.url === '/v1/metrics') {
        for (const rm of data.resourceMetrics ?? []) for (const sm of rm.scopeMetrics ?? []) metrics.push(...(sm.metrics ?? []));
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{}');
    });
  });
  return {
    spans,
    metrics,
    server,
    listen: () => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port))),
  };
}

const attribute = (item: Json, key: string) => {
  const value = item.attributes?.find((a: Json) => a.key === key)?.value;
  return value?.stringValue ?? value?.intValue ?? value?.boolValue;
};

async function eventually<T>(what: string, probe: () => T | undefined, timeoutMs = 15000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('sample app: telemetry', function () {
  this.timeout(60000);

  it('exports a server span per endpoint with service.name=sample-app, logs carry the same trace ids, and the error endpoint records an error span', async () => {
    const receiver = otlpReceiver();
    const port = await receiver.listen();
    const app = await startSampleApp({
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_METRIC_EXPORT_INTERVAL: '500',
    });
    try {
      const routes: [string, string, unknown?][] = [
        ['GET', '/'],
        ['GET', '/api/users'],
        ['POST', '/api/users', { name: 'Otel', email: 'otel@example.com' }],
        ['GET', '/api/products'],
        ['POST', '/api/orders', { userId: 1, items: [{ productId: 3, quantity: 1 }] }],
        ['GET', '/api/slow?ms=50'],
        ['GET', '/api/error'],
      ];
      for (const [method, path, body] of routes) await call(app, method, path, body);
      const server = (route: string, method: string) =>
        receiver.spans.find((s) => s.kind === 2 && attribute(s, 'http.route') === route && attribute(s, 'http.request.method') === method);
      for (const [method, path] of routes) {
        const span = await eventually(`${method} ${path} span`, () => server(path.split('?')[0], method));
        assert.equal(attribute(span.resource, 'service.name'), 'sample-app');
        assert.equal(span.name, `${method} ${path.split('?')[0]}`);
      }
      const error = server('/api/error', 'GET');
      assert.equal(error.status.code, 2, 'status ERROR');
      assert.equal(attribute(error, 'http.response.status_code'), 500);
      const query = await eventually('the failed query span', () => receiver.spans.find((s) => s.name === 'SELECT inventory_audit'));
      assert.equal(query.traceId, error.traceId);
      assert.equal(query.parentSpanId, error.spanId);
      assert.ok(query.events.some((e: Json) => e.name === 'exception' && attribute(e, 'exception.message') === 'no such table: inventory_audit'));
      // Every request's log line carries its span's trace id.
      const requestLogs = app.logs.filter((l) => l.msg === 'request');
      assert.equal(requestLogs.length, routes.length);
      for (const line of requestLogs) {
        const span = server(String(line.path), String(line.method));
        assert.equal(line.trace_id, span.traceId, `${line.method} ${line.path}`);
        assert.equal(line.span_id, span.spanId);
      }
      const duration = await eventually('the request duration metric', () => receiver.metrics.find((m) => m.name === 'http.server.request.duration'));
      assert.equal(duration.unit, 's');
    } finally {
      await app.stop();
      receiver.server.close();
    }
  });

  it('pushes CPU (wall) and heap profiles to Pyroscope, CPU samples labelled with the span they ran in, and marks root spans for span-to-profile links', async () => {
    const receiver = otlpReceiver();
    const ingests: { url: string; body: Buffer }[] = [];
    const pyroscope = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        ingests.push({ url: decodeURIComponent(request.url ?? ''), body: Buffer.concat(chunks) });
        response.writeHead(200);
        response.end();
      });
    });
    const tracesPort = await receiver.listen();
    await new Promise<void>((resolve) => pyroscope.listen(0, '127.0.0.1', resolve));
    const app = await startSampleApp({
      PYROSCOPE_SERVER_ADDRESS: `http://127.0.0.1:${(pyroscope.address() as AddressInfo).port}`,
      PYROSCOPE_FLUSH_INTERVAL_MS: '1000',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${tracesPort}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '200',
      OTEL_METRICS_EXPORTER: 'none',
    });
    try {
      const until = Date.now() + 2500;
      while (Date.now() < until) await call(app, 'GET', '/api/products?search=o');
      // pprof-format is the example app's dependency (its own package), not ours: required from its node_modules.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { Profile } = require(path.join(REPO_ROOT, 'examples', 'sample-app', 'node_modules', 'pprof-format')) as { Profile: { decode(b: Buffer): Json } };
      const decoded = () =>
        ingests.map((i) => {
          const body = i.body[0] === 0x1f && i.body[1] === 0x8b ? zlib.gunzipSync(i.body) : i.body;
          const profile = Profile.decode(body);
          const strings = profile.stringTable.strings as string[];
          // Pyroscope's profile type id: <name>:<sample type>:<unit>:<period type>:<unit>, the name being
          // what Pyroscope calls a Node.js profile by its period type (wall time: wall; heap: memory).
          const period = `${strings[Number(profile.periodType.type)]}:${strings[Number(profile.periodType.unit)]}`;
          const name = { 'wall:nanoseconds': 'wall', 'inuse_space:bytes': 'memory' }[period] ?? period;
          return {
            url: i.url,
            ids: profile.sampleType.map((t: Json) => `${name}:${strings[Number(t.type)]}:${strings[Number(t.unit)]}:${period}`) as string[],
            types: profile.sampleType.map((t: Json) => strings[Number(t.type)]),
            spanIds: new Set<string>(
              profile.sample.flatMap((sample: Json) =>
                sample.label.filter((l: Json) => strings[Number(l.key)] === 'span_id').map((l: Json) => strings[Number(l.str)]),
              ),
            ),
          };
        });
      const cpu = await eventually('a CPU profile with span labels', () => decoded().find((p) => p.types.includes('cpu') && p.spanIds.size > 0));
      assert.match(cpu.url, /^\/ingest\?format=pprof&.*name=sample-app\{/);
      await eventually('a heap profile', () => decoded().find((p) => p.types.includes('inuse_space')));
      // Every profile type the dashboards and the trace-to-profile link ask for is one this SDK pushes.
      const pushed = new Set(decoded().flatMap((p) => p.ids));
      const asked = renderedProfileTypeIds();
      assert.ok(asked.length >= 3, asked.join(', '));
      for (const id of asked) assert.ok(pushed.has(id), `${id} is asked for, but the SDK pushes only ${[...pushed].join(', ')}`);
      const roots = await eventually('root spans', () => (receiver.spans.length ? receiver.spans.filter((sp) => !sp.parentSpanId) : undefined));
      for (const root of roots) assert.equal(attribute(root, 'pyroscope.profile.id'), root.spanId);
      assert.ok([...cpu.spanIds].every((id) => /^[0-9a-f]{16}$/.test(id)));
      // The label names a request's server span: the link Grafana follows from a span to its profile.
      await eventually(
        'a profiled span among the exported request spans',
        () => [...cpu.spanIds].some((id) => receiver.spans.some((sp) => sp.spanId === id && !sp.parentSpanId)) || undefined,
      );
    } finally {
      await app.stop();
      receiver.server.close();
      pyroscope.close();
    }
  });

  it('keeps serving when the telemetry endpoints are unreachable', async () => {
    const app = await startSampleApp({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1',
      PYROSCOPE_SERVER_ADDRESS: 'http://127.0.0.1:1',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    try {
      for (let i = 0; i < 5; i++) assert.equal((await call(app, 'GET', '/api/products')).status, 200);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const health = await call(app, 'GET', '/health');
      assert.equal(health.status, 200);
      assert.match(health.body.checks.telemetry.traces, /^on /);
      assert.match(health.body.checks.telemetry.profiles, /^on /);
    } finally {
      await app.stop();
    }
  });
});

/** The profile type ids the rendered Grafana asks Pyroscope for: dashboard panels and the Tempo datasource's profile link. */
function renderedProfileTypeIds(): string[] {
  const objects = renderStack(stackOptions(baseInputs()));
  const ids: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object')
      for (const [key, item] of Object.entries(value)) {
        if (key === 'profileTypeId' && typeof item === 'string') ids.push(item);
        walk(item);
      }
  };
  for (const object of objects)
    for (const [file, text] of Object.entries(((object as { data?: Record<string, string> }).data ?? {}) as Record<string, string>)) {
      if (file.endsWith('.json')) walk(JSON.parse(text));
      if (file === 'datasources.yaml') walk(parseYaml(text));
    }
  return ids;
}
