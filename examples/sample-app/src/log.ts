import { trace } from '@opentelemetry/api';

type Level = 'debug' | 'info' | 'warn' | 'error';

/**
 * One JSON object per line on stdout, carrying the active span's trace and span
 * ids, so Alloy ships it to Loki and Grafana links the line to its trace.
 */
export function log(level: Level, msg: string, fields: Record<string, unknown> = {}): void {
  const context = trace.getActiveSpan()?.spanContext();
  const line = {
    time: new Date().toISOString(),
    level,
    msg,
    service: process.env.OTEL_SERVICE_NAME || 'sample-app',
    ...(context && { trace_id: context.traceId, span_id: context.spanId }),
    ...fields,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}
