import { type SpanData, spanIdFor } from './otlp';
import type { RunContext } from './task-trace';

/** A timeline record as the Build API returns it (enums as names or numbers, times as dates or text). */
export interface TimelineRecord {
  id: string;
  parentId?: string | null;
  type: string;
  name: string;
  startTime?: Date | string | null;
  finishTime?: Date | string | null;
  state?: string | number | null;
  result?: string | number | null;
  attempt?: number;
  workerName?: string | null;
  errorCount?: number;
  warningCount?: number;
  task?: { name?: string; version?: string } | null;
  identifier?: string | null;
}

export interface BuildInfo {
  buildNumber?: string;
  startTime?: Date | string | null;
  finishTime?: Date | string | null;
  result?: string | number | null;
  definition?: { name?: string };
}

// TaskResult as numbers (azure-devops-node-api) and names (the REST API).
const RESULTS = ['succeeded', 'succeededWithIssues', 'failed', 'canceled', 'skipped', 'abandoned'];
/** Azure DevOps results in the OpenTelemetry CI/CD vocabulary. */
const CICD_RESULT: Record<string, string> = {
  succeeded: 'success',
  succeededwithissues: 'success',
  failed: 'failure',
  canceled: 'cancellation',
  skipped: 'skip',
  abandoned: 'error',
};
// BuildResult is a bit field in the Build API: 2 succeeded, 4 partially succeeded, 8 failed, 32 canceled.
const BUILD_RESULTS: Record<number, string> = { 2: 'succeeded', 4: 'succeededWithIssues', 8: 'failed', 32: 'canceled' };
/** The records worth a span: what a reader of the run thinks in (phases are an implementation detail). */
const SPAN_TYPES = new Set(['stage', 'job', 'task', 'checkpoint']);

const time = (value: Date | string | null | undefined) => (value ? new Date(value).getTime() : undefined);
const resultName = (value: string | number | null | undefined) => (typeof value === 'number' ? RESULTS[value] : (value ?? undefined));

/**
 * The run's timeline as spans in the run's trace: the run, then its stages,
 * jobs, checks and tasks with their timing and results. Span ids derive from
 * the record ids, so the spans our own tasks sent hang under their task's span.
 * Records that have not started are left out; those still running end now.
 */
export function timelineSpans(context: RunContext, build: BuildInfo, records: TimelineRecord[], now = Date.now()): SpanData[] {
  const byId = new Map(records.map((r) => [r.id, r]));
  const included = records.filter((r) => SPAN_TYPES.has(r.type.toLowerCase()) && time(r.startTime) !== undefined);
  const includedIds = new Set(included.map((r) => r.id));
  const rootId = spanIdFor(context.traceId, 'run');
  const parentOf = (record: TimelineRecord): string => {
    let parent = record.parentId ? byId.get(record.parentId) : undefined;
    while (parent && !includedIds.has(parent.id)) parent = parent.parentId ? byId.get(parent.parentId) : undefined;
    return parent ? spanIdFor(context.traceId, parent.id) : rootId;
  };
  const starts = included.map((r) => time(r.startTime)!);
  const buildResult = typeof build.result === 'number' ? BUILD_RESULTS[build.result] : (build.result ?? undefined);
  const failed = included.some((r) => resultName(r.result) === 'failed');
  const runResult = buildResult ? CICD_RESULT[buildResult.toLowerCase()] : failed ? 'failure' : undefined;
  const root: SpanData = {
    traceId: context.traceId,
    spanId: rootId,
    name: `${build.definition?.name ?? context.run['cicd.pipeline.name'] ?? 'pipeline'} ${build.buildNumber ?? ''}`.trim(),
    kind: 'server',
    start: time(build.startTime) ?? Math.min(now, ...starts),
    end: time(build.finishTime) ?? now,
    attributes: { ...context.run, 'cicd.pipeline.result': runResult },
    error: runResult === 'failure' ? 'the run failed' : undefined,
  };
  const runUrl = context.run['cicd.pipeline.run.url.full'];
  return [
    root,
    ...included.map((record): SpanData => {
      const result = resultName(record.result);
      const type = record.type.toLowerCase();
      return {
        traceId: context.traceId,
        spanId: spanIdFor(context.traceId, record.id),
        parentSpanId: parentOf(record),
        name: type === 'task' || type === 'checkpoint' ? record.name : `${type} ${record.name}`,
        kind: 'internal',
        start: time(record.startTime)!,
        end: time(record.finishTime) ?? now,
        attributes: {
          ...context.run,
          'azure_pipelines.record.type': record.type,
          'azure_pipelines.record.identifier': record.identifier ?? undefined,
          'azure_pipelines.record.attempt': record.attempt,
          'cicd.pipeline.task.name': type === 'task' ? (record.task?.name ?? record.name) : undefined,
          'cicd.pipeline.task.run.id': record.id,
          'cicd.pipeline.task.run.result': result ? CICD_RESULT[result.toLowerCase()] : undefined,
          'cicd.pipeline.task.run.url.full': runUrl
            ? `${runUrl}&view=logs&${type === 'task' ? `j=${record.parentId}&t=${record.id}` : `j=${record.id}`}`
            : undefined,
          'cicd.worker.name': record.workerName ?? undefined,
          'azure_pipelines.errors': record.errorCount,
          'azure_pipelines.warnings': record.warningCount,
        },
        error: result === 'failed' ? `${record.type} ${record.name} failed (${record.errorCount ?? 0} errors)` : undefined,
      };
    }),
  ];
}
