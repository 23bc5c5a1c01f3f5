import type { TaskHost } from '../pipeline/task-host';
import { UserError } from '../user-error';
import { encodeSpans, sendSpans } from './otlp';
import type { RunContext } from './task-trace';
import { timelineSpans } from './timeline-spans';
import { version } from '../../package.json';

/**
 * The ExportPipelineTrace task: reads this run's timeline through the Build API
 * (azure-devops-node-api, with the job's token) and sends its stages, jobs,
 * checks and tasks, Microsoft's included, as spans of the run's trace.
 */
export async function exportPipelineTrace(host: TaskHost, context: RunContext): Promise<string> {
  const collection = host.getVariable('System.CollectionUri');
  const project = host.getVariable('System.TeamProject');
  const buildId = Number(host.getVariable('Build.BuildId'));
  if (!collection || !project || !buildId)
    throw new UserError('System.CollectionUri, System.TeamProject and Build.BuildId are not set: this task runs in a pipeline.');
  const token = host.getVariable('System.AccessToken', true);
  if (!token) throw new UserError("The job's access token is not available: run this task in an agent job of the pipeline (the token is there by default).");

  const azdev = await import('azure-devops-node-api');
  const connection = new azdev.WebApi(collection, azdev.getBearerHandler(token), { allowRetries: true, maxRetries: 3 });
  let spans;
  try {
    const builds = await connection.getBuildApi();
    const [build, timeline] = await Promise.all([builds.getBuild(project, buildId), builds.getBuildTimeline(project, buildId)]);
    if (!build || !timeline) throw new UserError(`Build ${buildId} or its timeline was not found in project ${project}.`);
    spans = timelineSpans(
      context,
      build,
      (timeline.records ?? []).filter((r): r is typeof r & { id: string; type: string; name: string } => Boolean(r.id && r.type && r.name)),
    );
  } catch (error) {
    if (error instanceof UserError) throw error;
    const status = (error as { statusCode?: number }).statusCode;
    throw new UserError(
      `Reading the run's timeline failed${status ? ` (HTTP ${status})` : ''}: ${(error as Error).message.replace(/\s+/g, ' ').trim()}${status === 401 || status === 403 ? ' The build service needs read access to builds of this project.' : ''}`,
    );
  }
  host.setOutput('traceId', context.traceId);
  host.setOutput('spanCount', String(spans.length));
  const problem = await sendSpans(context.target, encodeSpans(context.resource, { name: 'gitops-stack', version }, spans));
  if (problem) {
    host.warning(`Pipeline trace not sent: ${problem}.`);
    return `The run's ${spans.length} spans were not sent (see the warning); the run is not affected.`;
  }
  return `Sent the run as trace ${context.traceId}: ${spans.length} spans (stages, jobs, checks and tasks).`;
}
