import { GitApi, type IGitApi } from 'azure-devops-node-api/GitApi';
import { BasicCredentialHandler } from 'azure-devops-node-api/handlers/basiccreds';
import { BearerCredentialHandler } from 'azure-devops-node-api/handlers/bearertoken';
import { LocationsApi } from 'azure-devops-node-api/LocationsApi';
import { GitPullRequestMergeStrategy, PullRequestStatus, type GitPullRequest } from 'azure-devops-node-api/interfaces/GitInterfaces';
import { UserError } from '../user-error';
import { parseAzureReposUrl } from './azure-repos-url';
import type { GitAuth } from './git';
import { parseImageRef } from './image-ref';
import { promote, type AppPromotion, type PromoteRequest, type PromoteResult } from './promote';

export interface PullRequestOptions {
  targetBranch: string;
  autoComplete: boolean;
  mergeStrategy: 'noFastForward' | 'squash' | 'rebase' | 'rebaseMerge';
  deleteSourceBranch: boolean;
  /** Reviewer identity ids (GUIDs). */
  reviewers: string[];
}

export interface PullRequestOutcome {
  result: PromoteResult;
  pullRequest?: { id: number; url: string; created: boolean; branch: string };
}

const STRATEGIES: Record<PullRequestOptions['mergeStrategy'], GitPullRequestMergeStrategy> = {
  noFastForward: GitPullRequestMergeStrategy.NoFastForward,
  squash: GitPullRequestMergeStrategy.Squash,
  rebase: GitPullRequestMergeStrategy.Rebase,
  rebaseMerge: GitPullRequestMergeStrategy.RebaseMerge,
};

/**
 * The Azure DevOps Git REST client for the repo, authenticated like git (bearer job token
 * or basic). The Git area's URL comes from the organization's resource areas, as WebApi
 * finds it; only the Git and Locations clients are loaded (WebApi would bring every area's).
 */
export async function azureReposGitApi(repoUrl: string, auth: GitAuth): Promise<IGitApi> {
  const { collectionUrl } = parseAzureReposUrl(repoUrl);
  const [scheme, value = ''] = (auth.authorization ?? '').split(' ');
  const handler =
    scheme === 'bearer'
      ? new BearerCredentialHandler(value)
      : scheme === 'basic'
        ? (() => {
            const [user, ...password] = Buffer.from(value, 'base64').toString('utf8').split(':');
            return new BasicCredentialHandler(user, password.join(':'));
          })()
        : undefined;
  if (!handler) throw new UserError('Pull requests need credentials for Azure DevOps: set repoAuth to the job token or a service connection.');
  const areas = await azureDevOps('discover its service areas', () => new LocationsApi(collectionUrl, [handler]).getResourceAreas());
  // Azure DevOps Server answers with no areas: everything lives at the collection URL.
  const gitArea = (areas ?? []).find((area) => area.id?.toLowerCase() === GitApi.RESOURCE_AREA_ID.toLowerCase());
  return new GitApi(gitArea?.locationUrl ?? collectionUrl, [handler]);
}

/**
 * Promotes through a pull request: the change is pushed to
 * `promote/<env>/<apps>-<version>` from the target branch, and a pull request
 * is opened; when one is already open for the same apps and environment, its
 * branch gets the new commit and the pull request is updated instead.
 * Auto-complete is set in a second call, because create ignores it.
 */
export async function promoteByPullRequest(
  request: PromoteRequest,
  options: PullRequestOptions,
  git: IGitApi,
  log: (line: string) => void,
): Promise<PullRequestOutcome> {
  const { project, repository } = parseAzureReposUrl(request.repoUrl);
  const prefix = `promote/${request.targetEnvironment}/${request.apps.join('+')}-`;
  const targetRef = `refs/heads/${options.targetBranch}`;
  const open = await azureDevOps('list its pull requests', () =>
    git.getPullRequests(repository, { status: PullRequestStatus.Active, targetRefName: targetRef }, project),
  );
  const existing = open.find((pr) => pr.sourceRefName?.startsWith(`refs/heads/${prefix}`));
  const branch = existing?.sourceRefName!.slice('refs/heads/'.length);
  // A new branch is named after the version promoted: the tag, else the digest's first 12 hex digits.
  let pushedBranch = branch ?? '';
  const named = (apps: AppPromotion[]) => {
    const { tag, digest } = parseImageRef(apps[0].promoted);
    pushedBranch = branch ?? `${prefix}${tag ?? digest!.slice('sha256:'.length, 19)}`;
    return pushedBranch;
  };
  const result = await promote({ ...request, branch: branch ?? options.targetBranch, pushBranch: named }, log);
  const promoted = result.apps.map((a) => a.promoted);
  if (!result.changed || request.dryRun) return { result };

  const title = `Promote ${request.apps.join(', ')} to ${request.targetEnvironment}: ${[...new Set(promoted)].join(', ')}`;
  const description = [
    `Promotes ${request.sourceEnvironment ? `what ${request.sourceEnvironment} runs` : 'an image'} to **${request.targetEnvironment}**.`,
    '',
    '| app | before | after |',
    '| --- | --- | --- |',
    ...result.apps.map((a) => `| ${a.app} | \`${a.previous}\` | \`${a.promoted}\` |`),
  ].join('\n');
  let pr: GitPullRequest;
  if (existing) {
    pr = await azureDevOps(`update pull request ${existing.pullRequestId}`, () =>
      git.updatePullRequest({ title, description }, repository, existing.pullRequestId!, project),
    );
    log(`Updated the open pull request ${existing.pullRequestId} (${pushedBranch}) instead of opening another.`);
  } else {
    pr = await azureDevOps('create the pull request', () =>
      git.createPullRequest(
        { sourceRefName: `refs/heads/${pushedBranch}`, targetRefName: targetRef, title, description, reviewers: options.reviewers.map((id) => ({ id })) },
        repository,
        project,
      ),
    );
    log(`Opened pull request ${pr.pullRequestId}: ${title}`);
  }
  if (options.autoComplete) {
    await azureDevOps(`set auto-complete on pull request ${pr.pullRequestId}`, () =>
      git.updatePullRequest(
        {
          autoCompleteSetBy: { id: pr.createdBy?.id },
          completionOptions: { mergeStrategy: STRATEGIES[options.mergeStrategy], deleteSourceBranch: options.deleteSourceBranch, mergeCommitMessage: title },
        },
        repository,
        pr.pullRequestId!,
        project,
      ),
    );
    log(`Auto-complete set (${options.mergeStrategy}${options.deleteSourceBranch ? ', delete source branch' : ''}).`);
  }
  const { collectionUrl } = parseAzureReposUrl(request.repoUrl);
  const url = `${collectionUrl}/${encodeURIComponent(project)}/_git/${encodeURIComponent(repository)}/pullrequest/${pr.pullRequestId}`;
  return { result, pullRequest: { id: pr.pullRequestId!, url, created: !existing, branch: pushedBranch } };
}

/** Waits until the pull request is completed and returns its merge commit; abandoned or timed out fails. */
/** A completed pull request: the commit it left on the target branch, and the target's commit it merged into. */
export interface CompletedMerge {
  commit: string;
  target?: string;
}

export async function waitForMerge(
  git: IGitApi,
  repoUrl: string,
  id: number,
  timeoutMs: number,
  log: (line: string) => void,
  pollMs = 5000,
): Promise<CompletedMerge> {
  const { project } = parseAzureReposUrl(repoUrl);
  const deadline = Date.now() + timeoutMs;
  let said = false;
  for (;;) {
    const pr = await azureDevOps(`read pull request ${id}`, () => git.getPullRequestById(id, project));
    if (pr.status === PullRequestStatus.Completed && pr.lastMergeCommit?.commitId)
      return { commit: pr.lastMergeCommit.commitId, target: pr.lastMergeTargetCommit?.commitId };
    if (pr.status === PullRequestStatus.Abandoned) throw new UserError(`Pull request ${id} was abandoned; nothing was promoted.`);
    if (Date.now() > deadline)
      throw new UserError(
        `Pull request ${id} was not completed within ${Math.round(timeoutMs / 60000)} minutes (merge status ${pr.mergeStatus ?? 'unknown'}).`,
      );
    if (!said) log(`Waiting for pull request ${id} to be completed...`);
    said = true;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** Azure DevOps refusals (TF codes, 401, 403) become one message saying what was being done. */
async function azureDevOps<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode;
    throw new UserError(`Azure DevOps did not let the task ${what}${status ? ` (HTTP ${status})` : ''}: ${(error as Error).message}`);
  }
}
