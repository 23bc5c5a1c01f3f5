import { log } from './log';

/** What the health endpoint reports about telemetry. */
export const telemetryStatus = { traces: 'off', profiles: 'off' };
let shutdown: (() => Promise<void>) | undefined;

/**
 * Starts OpenTelemetry (traces and metrics over OTLP, configured by the
 * standard OTEL_* variables) and Pyroscope (PYROSCOPE_SERVER_ADDRESS). Must run
 * before `http` is loaded so requests are instrumented. Telemetry that is off or
 * misconfigured is logged and skipped: it never stops the app.
 */
export function startTelemetry(): void {
  const endpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (endpoint && process.env.OTEL_SDK_DISABLED !== 'true') {
    try {
      // The stable HTTP conventions: http.server.request.duration, what the dashboards and alerts query.
      process.env.OTEL_SEMCONV_STABILITY_OPT_IN ??= 'http';
      process.env.OTEL_SERVICE_NAME ??= 'sample-app';
      process.env.OTEL_METRICS_EXPORTER ??= 'otlp';
      process.env.OTEL_LOGS_EXPORTER ??= 'none';
      const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
      const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
      const sdk = new NodeSDK({
        instrumentations: [new HttpInstrumentation({ ignoreIncomingRequestHook: (request) => request.url === '/health' })],
        spanProcessors: profilingSpanProcessors(),
      });
      sdk.start();
      shutdown = () => sdk.shutdown();
      telemetryStatus.traces = `on (${endpoint})`;
    } catch (error) {
      log('warn', 'telemetry disabled: OpenTelemetry did not start', { error: (error as Error).message });
    }
  }
  startProfiling();
}

/** Continuous CPU and heap profiles to Pyroscope, labelled with the span they ran in (span-to-profile links). */
function startProfiling(): void {
  const server = process.env.PYROSCOPE_SERVER_ADDRESS;
  if (!server) return;
  try {
    const Pyroscope = require('@pyroscope/nodejs') as typeof import('@pyroscope/nodejs');
    Pyroscope.init({
      serverAddress: server,
      appName: process.env.OTEL_SERVICE_NAME || 'sample-app',
      tags: { environment: process.env.DEPLOYMENT_ENVIRONMENT ?? 'local' },
      flushIntervalMs: Number(process.env.PYROSCOPE_FLUSH_INTERVAL_MS) || undefined,
      wall: { collectCpuTime: true },
    });
    Pyroscope.start();
    telemetryStatus.profiles = `on (${server})`;
  } catch (error) {
    log('warn', 'profiling disabled: Pyroscope did not start', { error: (error as Error).message });
  }
}

/**
 * Marks each root span with `pyroscope.profile.id`, which Grafana's "profiles
 * for this span" uses; the request's CPU samples carry the same `span_id`
 * label (see withSpanProfile).
 */
function profilingSpanProcessors() {
  if (!process.env.PYROSCOPE_SERVER_ADDRESS) return undefined;
  const { BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
  const batch = new BatchSpanProcessor(new OTLPTraceExporter());
  return [
    {
      onStart(span: import('@opentelemetry/sdk-trace-base').Span) {
        if (!span.parentSpanContext) span.setAttribute('pyroscope.profile.id', span.spanContext().spanId);
      },
      onEnd: (span: import('@opentelemetry/sdk-trace-base').ReadableSpan) => batch.onEnd(span),
      forceFlush: () => batch.forceFlush(),
      shutdown: () => batch.shutdown(),
    },
  ];
}

/** Runs a request handler with its CPU samples labelled by the span id, when profiling is on. */
export function withSpanProfile<T>(spanId: string | undefined, body: () => T): T {
  if (telemetryStatus.profiles === 'off' || !spanId) return body();
  const Pyroscope = require('@pyroscope/nodejs') as typeof import('@pyroscope/nodejs');
  let result: T | undefined;
  Pyroscope.wrapWithLabels({ span_id: spanId }, () => {
    result = body();
  });
  return result as T;
}

export async function stopTelemetry(): Promise<void> {
  await shutdown?.().catch(() => undefined);
}
