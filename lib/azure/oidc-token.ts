import { UserError } from '../user-error';
import type { TaskHost } from '../pipeline/task-host';

/**
 * Asks Azure DevOps for a fresh ID token for the service connection, the
 * assertion of workload identity federation (System.OidcRequestUri, authorized
 * by the job's System.AccessToken).
 */
export async function requestOidcToken(host: TaskHost, connectionId: string): Promise<string> {
  const requestUri = host.getVariable('System.OidcRequestUri');
  const accessToken = host.getVariable('System.AccessToken', true);
  if (!requestUri) throw new UserError('System.OidcRequestUri is not set: workload identity federation needs an agent of version 3.x or later.');
  if (!accessToken)
    throw new UserError(
      'System.AccessToken is not available to this task: map it with `env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)` or allow scripts to access the OAuth token.',
    );

  const url = new URL(requestUri);
  url.searchParams.set('api-version', '7.1');
  url.searchParams.set('serviceConnectionId', connectionId);
  let lastProblem = '';
  for (let attempt = 1; attempt <= 3; attempt++) {
    const response = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json', accept: 'application/json' },
      body: '{}',
    });
    if (response.ok) {
      const body = (await response.json()) as { oidcToken?: string };
      if (!body.oidcToken) throw new UserError(`The OIDC token request for service connection '${connectionId}' returned no token.`);
      host.setSecret(body.oidcToken);
      return body.oidcToken;
    }
    lastProblem = `HTTP ${response.status}`;
    if (response.status < 500 && response.status !== 429) break;
    await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
  }
  throw new UserError(
    `Could not get an OIDC token for service connection '${connectionId}' (${lastProblem}). Check that the connection uses workload identity federation and that this pipeline may use it.`,
  );
}
