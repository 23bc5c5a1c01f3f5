import { UserError } from '../user-error';

export interface AzureReposLocation {
  /** The organization or collection URL, e.g. https://dev.azure.com/contoso */
  collectionUrl: string;
  project: string;
  repository: string;
}

/**
 * Splits an Azure Repos clone URL into collection, project and repository:
 * dev.azure.com/{org}/{project}/_git/{repo}, {org}.visualstudio.com[/DefaultCollection]/{project}/_git/{repo},
 * Azure DevOps Server {host}/{collection}/{project}/_git/{repo}, and /{org}/_git/{repo} (project named as the repo).
 */
export function parseAzureReposUrl(url: string): AzureReposLocation {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UserError(`Input 'configRepoUrl' ('${url}') is not a URL.`);
  }
  const parts = parsed.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const git = parts.indexOf('_git');
  if (parsed.protocol !== 'https:' || git < 0 || git === parts.length - 1) {
    throw new UserError(
      `Input 'configRepoUrl' ('${url}') is not an Azure Repos URL (https://dev.azure.com/{org}/{project}/_git/{repo}): pull requests need Azure Repos.`,
    );
  }
  const repository = parts[git + 1];
  const before = parts.slice(0, git);
  const hostIsOrg = parsed.hostname.endsWith('.visualstudio.com');
  const projectGiven = before.length > (hostIsOrg ? 0 : 1) && !(hostIsOrg && before.length === 1 && before[0] === 'DefaultCollection');
  const project = projectGiven ? before[before.length - 1] : repository;
  const collection = projectGiven ? before.slice(0, -1) : before;
  return {
    collectionUrl: `${parsed.protocol}//${parsed.host}${collection.length ? `/${collection.map(encodeURIComponent).join('/')}` : ''}`,
    project,
    repository,
  };
}
