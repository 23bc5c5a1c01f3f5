import type { TaskHost } from './task-host';

/** The run's results page in Azure DevOps, from the agent's variables; undefined outside a pipeline. */
export function runUrl(host: TaskHost): string | undefined {
  const collection = host.getVariable('System.CollectionUri');
  const project = host.getVariable('System.TeamProject');
  const buildId = host.getVariable('Build.BuildId');
  return collection && project && buildId ? `${collection.replace(/\/?$/, '/')}${encodeURIComponent(project)}/_build/results?buildId=${buildId}` : undefined;
}
