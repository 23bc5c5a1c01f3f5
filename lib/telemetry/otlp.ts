import { displayUrl } from '../display-url';
import { UserError } from '../user-error';
import { createHash, randomBytes } from 'node:crypto';

/** One span as we record it; encoded to OTLP/JSON when sent. Times in milliseconds since the epoch. */
export interface SpanData {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: 'internal' | 'server' | 'client';
  start: number;
  end: number;
  attributes: Record<string, string | number | boolean | undefined>;
  error?: string;
}

export interface OtlpTarget {
  /** The traces URL: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as given, or OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces. */
  url: string;
  headers: Record<string, string>;
}

const KIND = { internal: 1, server: 2, client: 3 };

/** A run's trace id: the same for every task of the run, on any agent, with no state passed between jobs. */
export function traceIdFor(collectionUri: string, projectId: string, buildId: string): string {
  return createHash('sha256')
    .update(`${collectionUri.replace(/\/?$/, '/').toLowerCase()}|${projectId.toLowerCase()}|${buildId}`)
    .digest('hex')
    .slice(0, 32);
}

/** The span id of a timeline record (stage, job, task) of the run: the task and the run export agree on it. */
export function spanIdFor(traceId: string, key: string): string {
  return createHash('sha256').update(`${traceId}|${key.toLowerCase()}`).digest('hex').slice(0, 16);
}

export const newSpanId = () => randomBytes(8).toString('hex');

/**
 * OTEL_EXPORTER_OTLP_HEADERS: `key=value,key2=value2`, values URL-encoded (W3C baggage style), as the
 * spec says. `source` names where the text came from; a malformed list is a UserError naming it
 * (never the value: it holds credentials).
 */
export function parseHeaders(text: string | undefined, source = 'OTEL_EXPORTER_OTLP_HEADERS'): Record<string, string> {
  const headers: Record<string, string> = {};
  const pairs = (text ?? '').split(',');
  pairs.forEach((pair, index) => {
    if (!pair.trim() && pairs.length === 1) return;
    const at = pair.indexOf('=');
    const decode = (part: string) => {
      try {
        return decodeURIComponent(part.trim());
      } catch {
        return undefined;
      }
    };
    const [name, value] = at > 0 ? [decode(pair.slice(0, at)), decode(pair.slice(at + 1))] : [undefined, undefined];
    if (!name || value === undefined || !/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name) || /[\r\n\0]/.test(value))
      throw new UserError(
        `${source}: pair ${index + 1} is not name=value with a header name and a percent-encoded value (e.g. authorization=Bearer%20<token>).`,
      );
    headers[name] = value;
  });
  return headers;
}

export function tracesUrl(tracesEndpoint: string | undefined, endpoint: string | undefined): string | undefined {
  if (tracesEndpoint) return tracesEndpoint;
  if (endpoint) return `${endpoint.replace(/\/$/, '')}/v1/traces`;
  return undefined;
}

const nanos = (ms: number) => `${BigInt(Math.round(ms * 1000)) * 1000n}`;

function attributes(values: Record<string, string | number | boolean | undefined>) {
  return Object.entries(values)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([key, value]) => ({
      key,
      value:
        typeof value === 'boolean'
          ? { boolValue: value }
          : typeof value === 'number'
            ? Number.isInteger(value)
              ? { intValue: String(value) }
              : { doubleValue: value }
            : { stringValue: String(value) },
    }));
}

/** The OTLP/JSON ExportTraceServiceRequest (hex ids, nanosecond times as strings, enums as numbers). */
export function encodeSpans(
  resource: Record<string, string | number | boolean | undefined>,
  scope: { name: string; version: string },
  spans: SpanData[],
): unknown {
  return {
    resourceSpans: [
      {
        resource: { attributes: attributes(resource) },
        scopeSpans: [
          {
            scope,
            spans: spans.map((s) => ({
              traceId: s.traceId,
              spanId: s.spanId,
              ...(s.parentSpanId && { parentSpanId: s.parentSpanId }),
              name: s.name,
              kind: KIND[s.kind],
              startTimeUnixNano: nanos(s.start),
              endTimeUnixNano: nanos(Math.max(s.end, s.start)),
              attributes: attributes(s.attributes),
              status: s.error !== undefined ? { code: 2, message: s.error } : { code: 1 },
            })),
          },
        ],
      },
    ],
  };
}

/**
 * Sends spans by OTLP/HTTP (JSON). Telemetry never fails the caller: any
 * problem comes back as a sentence for a warning.
 */
export async function sendSpans(target: OtlpTarget, payload: unknown, timeoutMs = 10_000): Promise<string | undefined> {
  try {
    const response = await fetch(target.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...target.headers },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.arrayBuffer();
    if (!response.ok) return `the OTLP endpoint ${displayUrl(target.url)} answered HTTP ${response.status}`;
    return undefined;
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return `the OTLP endpoint ${displayUrl(target.url)} cannot be reached (${cause?.code ?? cause?.message ?? (error as Error).message})`;
  }
}
