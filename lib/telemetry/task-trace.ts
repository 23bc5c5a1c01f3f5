import { AsyncLocalStorage } from 'node:async_hooks';
import { displayUrl, hasUserInfo } from '../display-url';
import { runUrl } from '../pipeline/run-url';
import type { TaskHost } from '../pipeline/task-host';
import { UserError } from '../user-error';
import { encodeSpans, newSpanId, type OtlpTarget, parseHeaders, sendSpans, type SpanData, spanIdFor, traceIdFor, tracesUrl } from './otlp';
import { version } from '../../package.json';

/** Where the spans of a pipeline run go, and the run they belong to. */
export interface RunContext {
  target: OtlpTarget;
  traceId: string;
  resource: Record<string, string | undefined>;
  run: Record<string, string | undefined>;
}

/**
 * The OTLP target from the standard variables (a pipeline variable of the same
 * name reaches the task too; the headers may be a secret variable), and the run's
 * identity from the agent's variables. Undefined when no endpoint is set.
 */
export function runContext(host: TaskHost, endpoint?: string, headersText?: string): RunContext | undefined {
  const read = (name: string) => process.env[name] || host.getVariable(name);
  const url = tracesUrl(endpoint ? undefined : read('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'), endpoint || read('OTEL_EXPORTER_OTLP_ENDPOINT'));
  if (!url) return undefined;
  const headersValue = headersText ?? (process.env.OTEL_EXPORTER_OTLP_HEADERS || host.getVariable('OTEL_EXPORTER_OTLP_HEADERS', true));
  // Header values are credentials (an API key, a bearer token): masked before they are even parsed.
  if (headersValue) host.setSecret(headersValue);
  const headers = parseHeaders(headersValue, headersText === undefined ? 'OTEL_EXPORTER_OTLP_HEADERS' : "Input 'otlpHeaders'");
  for (const value of Object.values(headers)) if (value.length >= 4) host.setSecret(value);
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !/^https?:$/.test(parsed.protocol) || hasUserInfo(url))
    throw new UserError(
      `The OTLP endpoint '${displayUrl(url)}' must be an http(s) URL without user:password@ (put credentials in OTEL_EXPORTER_OTLP_HEADERS or 'otlpHeaders').`,
    );
  const v = (name: string) => host.getVariable(name) || undefined;
  const collection = v('System.CollectionUri') ?? 'local';
  const buildId = v('Build.BuildId') ?? `local-${process.pid}`;
  const project = v('System.TeamProject');
  return {
    target: { url, headers },
    traceId: traceIdFor(collection, v('System.TeamProjectId') ?? project ?? '', buildId),
    resource: {
      'service.name': 'azure-pipelines',
      'service.namespace': project,
      'cicd.worker.name': v('Agent.Name'),
      'telemetry.sdk.name': 'gitops-stack',
      'telemetry.sdk.language': 'nodejs',
      'telemetry.sdk.version': version,
    },
    run: {
      'cicd.pipeline.name': v('Build.DefinitionName'),
      'cicd.pipeline.run.id': v('Build.BuildId'),
      'cicd.pipeline.run.url.full': runUrl(host),
      'vcs.repository.name': v('Build.Repository.Name'),
      'vcs.ref.head.name': v('Build.SourceBranch'),
      'vcs.ref.head.revision': v('Build.SourceVersion'),
      'azure_pipelines.build.number': v('Build.BuildNumber'),
      'azure_pipelines.stage.name': v('System.StageName'),
      'azure_pipelines.job.name': v('System.JobDisplayName'),
    },
  };
}

export interface ExportPipelineTraceInputs {
  [name: string]: string | number | boolean | undefined;
  otlpEndpoint?: string;
  otlpHeaders?: string;
}

/** ExportPipelineTrace's target from its inputs or the standard variables; without one there is nothing to do. */
export function exportTarget(host: TaskHost, inputs: ExportPipelineTraceInputs): RunContext {
  const context = runContext(host, inputs.otlpEndpoint, inputs.otlpHeaders);
  if (!context) throw new UserError("No OTLP endpoint: set the input 'otlpEndpoint' or the pipeline variable OTEL_EXPORTER_OTLP_ENDPOINT.");
  return context;
}

/** The spans of one task run: the task itself and its slow steps, sent when the task ends. */
export class TaskTrace {
  private readonly spans: SpanData[] = [];
  private readonly root: SpanData;
  private readonly active = new AsyncLocalStorage<SpanData>();

  constructor(
    private readonly host: TaskHost,
    private readonly context: RunContext,
    taskName: string,
  ) {
    const taskRecord = host.getVariable('System.TaskInstanceId');
    this.root = {
      traceId: context.traceId,
      spanId: newSpanId(),
      // The task's timeline record: the run export makes a span with this id, so the task's own span hangs under it.
      parentSpanId: taskRecord ? spanIdFor(context.traceId, taskRecord) : undefined,
      name: taskName,
      kind: 'internal',
      start: Date.now(),
      end: 0,
      attributes: {
        ...context.run,
        'cicd.pipeline.task.name': taskName,
        'cicd.pipeline.task.run.id': taskRecord,
        'cicd.pipeline.task.run.url.full':
          context.run['cicd.pipeline.run.url.full'] && taskRecord
            ? `${context.run['cicd.pipeline.run.url.full']}&view=logs&j=${host.getVariable('System.JobId') ?? ''}&t=${taskRecord}`
            : undefined,
      },
    };
  }

  /** Runs `body` as a child span of whatever step is running (or of the task). */
  async step<T>(name: string, attributes: SpanData['attributes'], body: () => Promise<T>): Promise<T> {
    const parent = this.active.getStore() ?? this.root;
    const span: SpanData = {
      traceId: this.context.traceId,
      spanId: newSpanId(),
      parentSpanId: parent.spanId,
      name,
      kind: 'internal',
      start: Date.now(),
      end: 0,
      attributes,
    };
    this.spans.push(span);
    try {
      return await this.active.run(span, body);
    } catch (error) {
      span.error = (error as Error).message;
      throw error;
    } finally {
      span.end = Date.now();
    }
  }

  /** Ends the task span with its result and sends everything; a problem is a warning, never a failure. */
  async finish(result: 'success' | 'failure', message?: string): Promise<void> {
    this.root.end = Date.now();
    this.root.attributes['cicd.pipeline.task.run.result'] = result;
    if (result === 'failure') this.root.error = message ?? 'failed';
    const payload = encodeSpans(this.context.resource, { name: 'gitops-stack', version }, [this.root, ...this.spans]);
    const problem = await sendSpans(this.context.target, payload, 5000);
    if (problem) this.host.warning(`Pipeline trace not sent: ${problem}.`);
    else this.host.debug(`pipeline trace ${this.context.traceId}: ${this.spans.length + 1} spans sent to ${displayUrl(this.context.target.url)}`);
  }
}

// On the global object, not in a module variable: a task bundle runs its library as a second copy
// (build/build.js), and the trace runTask starts must be the one the library's steps find.
const CURRENT = Symbol.for('gitops-stack.task-trace');
const slot = globalThis as { [CURRENT]?: TaskTrace };

export function startTaskTrace(host: TaskHost, taskName: string): TaskTrace | undefined {
  let context: RunContext | undefined;
  try {
    context = runContext(host);
  } catch (error) {
    // Telemetry is an extra: a malformed OTEL_ variable turns it off for this task, never fails the task.
    if (!(error instanceof UserError)) throw error;
    host.warning(`Pipeline trace off for this task: ${error.message}`);
  }
  slot[CURRENT] = context ? new TaskTrace(host, context, taskName) : undefined;
  return slot[CURRENT];
}

/** A slow step of the running task (an Azure operation, a push attempt, an apply, a wait): a child span when tracing is on. */
export function traced<T>(name: string, attributes: SpanData['attributes'], body: () => Promise<T>): Promise<T> {
  const current = slot[CURRENT];
  return current ? current.step(name, attributes, body) : body();
}
