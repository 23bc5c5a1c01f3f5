import type { TaskHost } from '../pipeline/task-host';
import { UserError } from '../user-error';

/** A username and token (or password) for a git remote, from a Generic or Git service connection. */
export interface GitCredentials {
  username: string;
  password: string;
}

/**
 * The one reading of a git service connection, for every task: a Generic or Git connection gives
 * username + password, a token-based one `apitoken`; either is sent as HTTP basic auth (username
 * `git` when none is set), which Azure Repos, GitHub, GitLab and Bitbucket accept for a token.
 * (The job's own System.AccessToken is the one credential sent as a bearer token.) The secret is
 * registered before it is returned.
 */
export function gitConnectionCredentials(host: TaskHost, input: string, connectionId: string | undefined): GitCredentials {
  const endpoint = host.getEndpoint(connectionId ?? '');
  if (!endpoint) throw new UserError(`Input '${input}': service connection '${connectionId ?? ''}' was not found.`);
  const { username, password, apitoken } = endpoint.authorization.parameters;
  const secret = password || apitoken;
  if (!secret) throw new UserError(`Input '${input}': service connection '${endpoint.id}' has no password or token for the config repo.`);
  host.setSecret(secret);
  return { username: username || 'git', password: secret };
}
