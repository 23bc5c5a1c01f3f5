import { UserError } from '../user-error';

export interface DeploymentAnnotation {
  url: string;
  token?: string;
  start: number;
  end: number;
  environment: string;
  apps: string[];
  text: string;
}

/**
 * Writes a region annotation (start to end) tagged `deployment`, the environment
 * and each app, through Grafana's HTTP API, for the Deployment Timeline dashboard.
 */
export async function annotateDeployment(annotation: DeploymentAnnotation): Promise<number> {
  const response = await fetch(new URL('api/annotations', annotation.url.endsWith('/') ? annotation.url : `${annotation.url}/`), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(annotation.token ? { authorization: `Bearer ${annotation.token}` } : {}) },
    body: JSON.stringify({
      time: annotation.start,
      timeEnd: annotation.end,
      tags: ['deployment', annotation.environment, ...annotation.apps],
      text: annotation.text,
    }),
  });
  if (!response.ok) throw new UserError(`Grafana answered HTTP ${response.status} to POST /api/annotations`);
  return ((await response.json()) as { id: number }).id;
}
