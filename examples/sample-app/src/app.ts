import * as http from 'node:http';
import { type Span, SpanStatusCode, trace } from '@opentelemetry/api';
import { type Db, transaction } from './db';
import { log } from './log';
import { telemetryStatus, withSpanProfile } from './telemetry';

const tracer = trace.getTracer('sample-app');
const GREETING = 'Hello from GitOps Sample App with Observability!';
const version = process.env.APP_VERSION || (require('../package.json') as { version: string }).version;

/** An answer with a status; thrown by handlers for 4xx, so each handler reads as its happy path. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: string[],
  ) {
    super(message);
  }
}

interface Request {
  method: string;
  path: string;
  query: URLSearchParams;
  body: () => Promise<unknown>;
}

type Handler = (req: Request, db: Db) => Promise<unknown> | unknown;

/** Reads quicker than this are not worth a span of their own; slower ones, writes and failures are. */
const SLOW_QUERY_MS = Number(process.env.SLOW_QUERY_MS ?? 5);

/**
 * A database call, as a child span of the request when it writes, fails or is
 * slow. Spans start at the call's real start time, so a failed or slow read is
 * placed in the trace where it happened; fast reads add no export cost.
 */
function query<T>(name: string, statement: string, body: () => T, kind: 'read' | 'write' = 'read'): T {
  const startTime = Date.now();
  const started = performance.now();
  const span = (error?: Error) => {
    const s = tracer.startSpan(name, { startTime, attributes: { 'db.system.name': 'sqlite', 'db.query.text': statement } });
    if (error) fail(s, error);
    s.end();
  };
  let result: T;
  try {
    result = body();
  } catch (error) {
    span(error as Error);
    throw error;
  }
  if (kind === 'write' || performance.now() - started >= SLOW_QUERY_MS) span();
  return result;
}

function fail(span: Span | undefined, error: Error): void {
  span?.recordException(error);
  span?.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function validUser(body: unknown): { name: string; email: string } {
  const problems: string[] = [];
  if (!isObject(body)) throw new HttpError(400, 'the body must be a JSON object with name and email');
  const { name, email } = body;
  if (typeof name !== 'string' || !name.trim()) problems.push('name: required, a non-empty string');
  else if (name.length > 100) problems.push('name: at most 100 characters');
  if (typeof email !== 'string' || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) problems.push('email: required, an e-mail address such as ada@example.com');
  if (problems.length) throw new HttpError(400, 'invalid user', problems);
  return { name: (name as string).trim(), email: email as string };
}

function validOrder(body: unknown): { userId: number; items: { productId: number; quantity: number }[] } {
  if (!isObject(body)) throw new HttpError(400, 'the body must be a JSON object with userId and items');
  const problems: string[] = [];
  if (!Number.isInteger(body.userId) || (body.userId as number) < 1) problems.push('userId: required, a positive integer');
  if (!Array.isArray(body.items) || body.items.length === 0 || body.items.length > 50) problems.push('items: required, 1 to 50 of { productId, quantity }');
  else {
    body.items.forEach((item, i) => {
      if (!isObject(item) || !Number.isInteger(item.productId) || (item.productId as number) < 1) problems.push(`items[${i}].productId: a positive integer`);
      if (!isObject(item) || !Number.isInteger(item.quantity) || (item.quantity as number) < 1 || (item.quantity as number) > 100)
        problems.push(`items[${i}].quantity: an integer from 1 to 100`);
    });
    const ids = (body.items as { productId?: unknown }[]).map((i) => i?.productId);
    if (new Set(ids).size !== ids.length) problems.push('items: each product at most once');
  }
  if (problems.length) throw new HttpError(400, 'invalid order', problems);
  return body as { userId: number; items: { productId: number; quantity: number }[] };
}

const product = (r: Record<string, unknown>) => ({ id: r.id, name: r.name, category: r.category, price: Number(r.price_cents) / 100, stock: r.stock });

const ROUTES: Record<string, Record<string, Handler>> = {
  '/': {
    GET: () => ({
      name: 'sample-app',
      version,
      greeting: GREETING,
      endpoints: [
        'GET /health',
        'GET /api/users',
        'POST /api/users',
        'GET /api/products?search=&category=',
        'POST /api/orders',
        'GET /api/slow',
        'GET /api/error',
      ],
    }),
  },
  '/health': {
    GET: (_req, db) => {
      const started = performance.now();
      let database: { status: string; latencyMs?: number; error?: string };
      try {
        db.get('SELECT 1');
        database = { status: 'ok', latencyMs: Number((performance.now() - started).toFixed(2)) };
      } catch (error) {
        database = { status: 'down', error: (error as Error).message };
      }
      const healthy = database.status === 'ok';
      return { status: healthy ? 200 : 503, body: { status: healthy ? 'ok' : 'degraded', version, checks: { database, telemetry: telemetryStatus } } };
    },
  },
  '/api/users': {
    GET: (_req, db) =>
      query('SELECT users', 'SELECT id, name, email, created_at FROM users', () =>
        db.all('SELECT id, name, email, created_at AS createdAt FROM users ORDER BY id'),
      ),
    POST: async (req, db) => {
      const user = validUser(await req.body());
      try {
        const id = query(
          'INSERT users',
          'INSERT INTO users (name, email) VALUES (?, ?)',
          () => db.run('INSERT INTO users (name, email) VALUES (?, ?)', [user.name, user.email]).lastInsertRowid,
          'write',
        );
        log('info', 'user created', { user_id: Number(id) });
        return { status: 201, body: db.get('SELECT id, name, email, created_at AS createdAt FROM users WHERE id = ?', [id]) };
      } catch (error) {
        if (/UNIQUE constraint failed/.test((error as Error).message)) throw new HttpError(409, `a user with email ${user.email} exists already`);
        throw error;
      }
    },
  },
  '/api/products': {
    GET: (req, db) => {
      const search = req.query.get('search')?.trim() ?? '';
      const category = req.query.get('category')?.trim() ?? '';
      if (search.length > 100) throw new HttpError(400, 'invalid query', ['search: at most 100 characters']);
      const rows = query('SELECT products', 'SELECT ... FROM products WHERE name LIKE ? AND category = ?', () =>
        db.all(`SELECT * FROM products WHERE name LIKE ? ESCAPE '\\' ${category ? 'AND category = ?' : ''} ORDER BY id`, [
          `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`,
          ...(category ? [category] : []),
        ]),
      ) as Record<string, unknown>[];
      return { count: rows.length, products: rows.map(product) };
    },
  },
  '/api/orders': {
    POST: async (req, db) => {
      const order = validOrder(await req.body());
      const created = query(
        'INSERT order',
        'INSERT INTO orders ...',
        () =>
          transaction(db, () => {
            if (!db.get('SELECT id FROM users WHERE id = ?', [order.userId])) throw new HttpError(404, `user ${order.userId} does not exist`);
            let total = 0;
            const lines = order.items.map((item) => {
              const row = db.get('SELECT * FROM products WHERE id = ?', [item.productId]) as Record<string, number> | null;
              if (!row) throw new HttpError(404, `product ${item.productId} does not exist`);
              if (row.stock < item.quantity) throw new HttpError(409, `product ${item.productId} has ${row.stock} in stock, ${item.quantity} ordered`);
              total += row.price_cents * item.quantity;
              return { ...item, price: row.price_cents };
            });
            const id = Number(db.run('INSERT INTO orders (user_id, total_cents) VALUES (?, ?)', [order.userId, total]).lastInsertRowid);
            for (const line of lines) {
              db.run('INSERT INTO order_items (order_id, product_id, quantity, price_cents) VALUES (?, ?, ?, ?)', [
                id,
                line.productId,
                line.quantity,
                line.price,
              ]);
              db.run('UPDATE products SET stock = stock - ? WHERE id = ?', [line.quantity, line.productId]);
            }
            return {
              id,
              userId: order.userId,
              total: total / 100,
              items: lines.map((l) => ({ productId: l.productId, quantity: l.quantity, price: l.price / 100 })),
            };
          }),
        'write',
      );
      log('info', 'order created', { order_id: created.id, total: created.total });
      return { status: 201, body: created };
    },
  },
  '/api/slow': {
    GET: async (req) => {
      const wanted = Number(req.query.get('ms'));
      const ms = Number.isFinite(wanted) && wanted >= 0 ? Math.min(wanted, 5000) : 2000 + Math.floor(Math.random() * 3000);
      await tracer.startActiveSpan('slow dependency', async (span) => {
        span.setAttribute('sample.delay_ms', ms);
        await new Promise((resolve) => setTimeout(resolve, ms));
        span.end();
      });
      return { delayedMs: ms };
    },
  },
  '/api/error': {
    // A real failure: the report reads a table that no migration creates.
    GET: (_req, db) => query('SELECT inventory_audit', 'SELECT * FROM inventory_audit', () => db.all('SELECT * FROM inventory_audit')),
  },
};

async function readBody(request: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) throw new HttpError(413, 'the body is larger than 64 KiB');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!/^application\/json\b/.test(request.headers['content-type'] ?? '')) throw new HttpError(415, 'send JSON with content-type: application/json');
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'the body is not valid JSON');
  }
}

/** The HTTP server: JSON in and out, one log line per request, errors as spans with status ERROR. */
export function createServer(db: Db): http.Server {
  return http.createServer((request, response) => {
    const started = performance.now();
    const url = new URL(request.url ?? '/', 'http://localhost');
    const span = trace.getActiveSpan();
    const route = ROUTES[url.pathname];
    span?.setAttribute('http.route', route ? url.pathname : 'unknown');
    if (route) span?.updateName(`${request.method} ${url.pathname}`);
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
      const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
      if (url.pathname !== '/health')
        log(level, 'request', { method: request.method, path: url.pathname, status, duration_ms: Number((performance.now() - started).toFixed(1)) });
    };
    const handler = route?.[request.method ?? 'GET'];
    if (!route) return send(404, { error: `no route ${url.pathname}` });
    if (!handler) {
      response.setHeader('allow', Object.keys(route).join(', '));
      return send(405, { error: `${request.method} is not allowed on ${url.pathname}` });
    }
    const req: Request = { method: request.method!, path: url.pathname, query: url.searchParams, body: () => readBody(request) };
    const answer = (result: unknown) => {
      const given =
        isObject(result) && typeof result.status === 'number' && 'body' in result
          ? (result as { status: number; body: unknown })
          : { status: 200, body: result };
      send(given.status, given.body);
    };
    const failed = (error: Error) => {
      if (error instanceof HttpError) return send(error.status, { error: error.message, ...(error.details && { details: error.details }) });
      fail(span, error);
      log('error', 'request failed', { path: url.pathname, error: error.message });
      send(500, { error: 'internal error', detail: error.message });
    };
    // Synchronous handlers answer at once, asynchronous ones when their promise settles.
    withSpanProfile(span?.spanContext().spanId, () => {
      try {
        const result = handler(req, db);
        if (result instanceof Promise) result.then(answer, failed);
        else answer(result);
      } catch (error) {
        failed(error as Error);
      }
    });
  });
}
