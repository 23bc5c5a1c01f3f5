/**
 * Realistic traffic for the sample app: about 70% normal browsing and orders,
 * 20% requests that arrive in spikes (bursts fired at once), 10% requests that
 * fail (server errors, bad input, unknown routes). Bounded in count and time.
 */
export type Kind = 'normal' | 'spike' | 'failure';

export interface LoadOptions {
  target: string;
  /** Paced requests per second (spikes come on top, in bursts). */
  rate: number;
  durationSeconds: number;
  maxRequests: number;
  /** Shares of requests per kind; they need not add up to 1. */
  mix: Record<Kind, number>;
  burstSize: number;
  seed: number;
}

export interface Summary {
  requests: number;
  durationSeconds: number;
  byKind: Record<Kind, number>;
  statusCodes: Record<string, number>;
  transportErrors: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
}

interface Call {
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
}

/** A small seeded generator (mulberry32): the same seed gives the same traffic. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(next: () => number, items: T[]): T => items[Math.floor(next() * items.length)];

function normalCall(next: () => number, userId: number | undefined): Call {
  const roll = next();
  if (roll < 0.35)
    return {
      method: 'GET',
      path: pick(next, ['/api/products', '/api/products?category=books', '/api/products?search=ops', '/api/products?category=hardware']),
    };
  if (roll < 0.55) return { method: 'GET', path: '/api/users' };
  if (roll < 0.65) return { method: 'GET', path: '/' };
  if (roll < 0.7) return { method: 'POST', path: '/api/users', body: { name: 'Load Tester', email: `load-${Math.floor(next() * 1e9)}@example.com` } };
  if (roll < 0.72) return { method: 'GET', path: '/api/slow' };
  return {
    method: 'POST',
    path: '/api/orders',
    body: { userId: userId ?? 1, items: [{ productId: 1 + Math.floor(next() * 8), quantity: 1 + Math.floor(next() * 2) }] },
  };
}

function failureCall(next: () => number): Call {
  return pick(next, [
    { method: 'GET', path: '/api/error' },
    { method: 'POST', path: '/api/users', body: { name: '', email: 'not-an-address' } },
    { method: 'POST', path: '/api/orders', body: { userId: 1, items: [{ productId: 999999, quantity: 1 }] } },
    { method: 'GET', path: '/api/no-such-route' },
  ] satisfies Call[]);
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return Number(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)].toFixed(1));
}

export async function runLoad(options: LoadOptions, log: (line: string) => void = () => undefined): Promise<Summary> {
  const next = random(options.seed);
  const base = options.target.replace(/\/$/, '');
  const deadline = Date.now() + options.durationSeconds * 1000;
  const total = options.mix.normal + options.mix.spike + options.mix.failure;
  const summary: Summary = {
    requests: 0,
    durationSeconds: 0,
    byKind: { normal: 0, spike: 0, failure: 0 },
    statusCodes: {},
    transportErrors: 0,
    latencyMs: { p50: 0, p95: 0, p99: 0, max: 0 },
  };
  const latencies: number[] = [];
  const inFlight = new Set<Promise<void>>();
  const started = Date.now();

  const send = (kind: Kind, call: Call) => {
    summary.requests++;
    summary.byKind[kind]++;
    const t0 = performance.now();
    const request = fetch(`${base}${call.path}`, {
      method: call.method,
      headers: call.body ? { 'content-type': 'application/json' } : undefined,
      body: call.body ? JSON.stringify(call.body) : undefined,
      signal: AbortSignal.timeout(10_000),
    })
      .then(async (response) => {
        await response.arrayBuffer();
        latencies.push(performance.now() - t0);
        summary.statusCodes[response.status] = (summary.statusCodes[response.status] ?? 0) + 1;
      })
      .catch(() => {
        summary.transportErrors++;
      })
      .finally(() => inFlight.delete(request));
    inFlight.add(request);
  };

  // One user for the orders; if the app is not up, orders simply fail and are counted.
  const user = await fetch(`${base}/api/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Load Generator', email: `loadgen-${options.seed}-${Date.now()}@example.com` }),
    signal: AbortSignal.timeout(10_000),
  })
    .then((r) => (r.ok ? (r.json() as Promise<{ id: number }>) : undefined))
    .catch(() => undefined);

  let burst: Call[] = [];
  const interval = 1000 / options.rate;
  let due = Date.now();
  while (summary.requests < options.maxRequests && Date.now() < deadline) {
    const roll = next() * total;
    const kind: Kind = roll < options.mix.normal ? 'normal' : roll < options.mix.normal + options.mix.spike ? 'spike' : 'failure';
    if (kind === 'spike') {
      // Spike requests wait for each other and then all go at once, unpaced.
      burst.push(
        pick(next, [
          { method: 'GET', path: '/api/products' },
          { method: 'GET', path: '/api/products?search=kubernetes' },
          { method: 'GET', path: '/' },
        ] satisfies Call[]),
      );
      if (burst.length >= options.burstSize || summary.requests + burst.length >= options.maxRequests) {
        for (const call of burst) send('spike', call);
        burst = [];
      }
      continue;
    }
    send(kind, kind === 'normal' ? normalCall(next, user?.id) : failureCall(next));
    due += interval;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if (summary.requests % 500 === 0) log(`${summary.requests} requests sent`);
  }
  await Promise.all([...inFlight]);
  latencies.sort((a, b) => a - b);
  summary.durationSeconds = Number(((Date.now() - started) / 1000).toFixed(2));
  summary.latencyMs = { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99), max: percentile(latencies, 100) };
  return summary;
}

export function formatSummary(s: Summary): string {
  const share = (n: number) => `${((100 * n) / Math.max(1, s.requests)).toFixed(1)}%`;
  return [
    `requests     ${s.requests} in ${s.durationSeconds} s (${(s.requests / Math.max(0.001, s.durationSeconds)).toFixed(1)}/s)`,
    `mix          normal ${s.byKind.normal} (${share(s.byKind.normal)}), spike ${s.byKind.spike} (${share(s.byKind.spike)}), failure ${s.byKind.failure} (${share(s.byKind.failure)})`,
    `status codes ${
      Object.entries(s.statusCodes)
        .sort()
        .map(([code, n]) => `${code}: ${n}`)
        .join(', ') || 'none'
    }${s.transportErrors ? `; ${s.transportErrors} without an answer` : ''}`,
    `latency ms   p50 ${s.latencyMs.p50}, p95 ${s.latencyMs.p95}, p99 ${s.latencyMs.p99}, max ${s.latencyMs.max}`,
  ].join('\n');
}
