import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import type { ServerResponse } from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RecordedRequest } from '../harness/fake-server';
import type { Fake } from '../harness/fake-worker';
import { authorized, serveGit } from './git-http-server';

/**
 * A fake of Azure DevOps for one organization: Azure Repos over git smart HTTP
 * (the real `git http-backend`; repositories are `<projectRoot>/<repo>.git`) and
 * the REST API that azure-devops-node-api uses for pull requests, including its
 * location discovery (OPTIONS /_apis/Location, GET /_apis/ResourceAreas,
 * OPTIONS /_apis/git). As the service does, it refuses a second active pull
 * request for the same source and target (TF401179), ignores auto-complete on create, and
 * completes an auto-complete pull request by itself (no branch policies here).
 */
export interface AzureDevOpsOptions {
  organization: string;
  project: string;
  projectRoot: string;
  token: string;
  /** Builds of the project by id, each with its timeline records, as the Build API returns them. */
  builds?: Record<string, { build: Record<string, unknown>; records: Record<string, unknown>[] }>;
}

interface PullRequest {
  pullRequestId: number;
  status: 'active' | 'completed' | 'abandoned';
  sourceRefName: string;
  targetRefName: string;
  title: string;
  description?: string;
  createdBy: { id: string; displayName: string };
  reviewers: { id: string }[];
  repository: { id: string; name: string; project: { name: string } };
  autoCompleteSetBy?: { id: string };
  completionOptions?: Record<string, unknown>;
  lastMergeCommit?: { commitId: string };
  /** The target branch's commit the completion merged into, as the service reports it. */
  lastMergeTargetCommit?: { commitId: string };
  mergeStatus: string;
}

const LOCATION_AREA = 'e81700f7-3be2-46de-8624-2eb35882fcaa';
const GIT_AREA = '4e080c62-fa21-4fbc-8fef-2a10a2b38049';
const BUILD_AREA = '965220d5-5bb9-42cf-8d67-9b146df2a5a4';
const BUILD_SERVICE = { id: '2a3c6f8e-5f1e-4d5e-9a51-0c1c6f7d9b11', displayName: 'gitops Build Service (contoso)' };

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8; api-version=7.1' });
  res.end(JSON.stringify(body));
}

const location = (id: string, area: string, resourceName: string, routeTemplate: string) => ({
  id,
  area,
  resourceName,
  routeTemplate,
  resourceVersion: 2,
  minVersion: '1.0',
  maxVersion: '7.2',
  releasedVersion: '7.1',
});

export function createFake(options: AzureDevOpsOptions): Fake {
  const pulls: PullRequest[] = [];
  const org = `/${options.organization}`;
  const bare = (repo: string) => path.join(options.projectRoot, `${repo}.git`);

  /**
   * Completes a pull request with its completionOptions.mergeStrategy, as the service does:
   * noFastForward (1, the default) a merge commit; squash (2) one commit; rebase (3) the source's
   * commits replayed on the target, fast-forwarded; rebaseMerge (4) replayed, then a merge commit.
   */
  function completePullRequest(pr: PullRequest): void {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ado-merge-'));
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=Azure DevOps', '-c', 'user.email=ado@example.com', ...args], { cwd: work, encoding: 'utf8' }).trim();
    const strategies: Record<string, string> = { 1: 'noFastForward', 2: 'squash', 3: 'rebase', 4: 'rebaseMerge' };
    const given = String(pr.completionOptions?.mergeStrategy ?? 'noFastForward');
    const strategy = strategies[given] ?? given;
    const message = `Merged PR ${pr.pullRequestId}: ${pr.title}`;
    const source = `origin/${pr.sourceRefName.replace('refs/heads/', '')}`;
    try {
      git('clone', '--quiet', bare(pr.repository.name), '.');
      git('checkout', '--quiet', pr.targetRefName.replace('refs/heads/', ''));
      const target = git('rev-parse', 'HEAD');
      if (strategy === 'squash') {
        git('merge', '--squash', '--quiet', source);
        git('commit', '--quiet', '-m', message);
      } else if (strategy === 'rebase' || strategy === 'rebaseMerge') {
        git('checkout', '--quiet', '-B', 'rebased', source);
        git('rebase', '--quiet', target);
        git('checkout', '--quiet', '-');
        if (strategy === 'rebase') git('merge', '--ff-only', '--quiet', 'rebased');
        else git('merge', '--no-ff', '--quiet', '-m', message, 'rebased');
      } else {
        git('merge', '--no-ff', '--quiet', '-m', message, source);
      }
      git('push', '--quiet', 'origin', `HEAD:${pr.targetRefName}`);
      pr.lastMergeCommit = { commitId: git('rev-parse', 'HEAD') };
      pr.lastMergeTargetCommit = { commitId: target };
      pr.status = 'completed';
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }

  return {
    handle(request: RecordedRequest, res: ServerResponse, baseUrl: string, raw: Buffer) {
      if (!authorized(request, options.token, res)) return;
      const gitPath = new RegExp(`^${org}/[^/]+/_git/([^/]+)(/.*)$`).exec(request.path);
      if (gitPath) return serveGit(request, res, raw, options.projectRoot, `/${decodeURIComponent(gitPath[1])}.git${gitPath[2]}`);

      const p = request.path.toLowerCase();
      const orgLower = org.toLowerCase();
      if (request.method === 'OPTIONS' && p === `${orgLower}/_apis/location`) {
        return json(res, 200, { count: 1, value: [location(LOCATION_AREA, 'Location', 'ResourceAreas', '_apis/{resource}/{areaId}')] });
      }
      if (request.method === 'GET' && p === `${orgLower}/_apis/resourceareas`) {
        return json(res, 200, {
          count: 2,
          value: [
            { id: GIT_AREA, name: 'git', locationUrl: `${baseUrl}${org}/` },
            { id: BUILD_AREA, name: 'build', locationUrl: `${baseUrl}${org}/` },
          ],
        });
      }
      if (request.method === 'OPTIONS' && p === `${orgLower}/_apis/build`) {
        return json(res, 200, {
          count: 2,
          value: [
            location('0cd358e1-9217-4d94-8269-1c1ee6f93dcf', 'build', 'Builds', '{project}/_apis/{area}/{resource}/{buildId}'),
            location('8baac422-4c6e-4de5-8532-db96d92acffa', 'build', 'Timeline', '{project}/_apis/{area}/builds/{buildId}/{resource}/{timelineId}'),
          ],
        });
      }
      const buildPath = new RegExp(`^${orgLower}/([^/]+)/_apis/build/builds/(\\d+)(/timeline)?/?$`).exec(p);
      if (buildPath && request.method === 'GET') {
        const found = decodeURIComponent(buildPath[1]) === options.project.toLowerCase() ? options.builds?.[buildPath[2]] : undefined;
        if (!found) return json(res, 404, { message: `TF215017: The requested build ${buildPath[2]} could not be found.`, typeKey: 'BuildNotFoundException' });
        return json(
          res,
          200,
          buildPath[3]
            ? { id: `timeline-${buildPath[2]}`, changeId: found.records.length, records: found.records }
            : { id: Number(buildPath[2]), ...found.build },
        );
      }
      if (request.method === 'OPTIONS' && p === `${orgLower}/_apis/git`) {
        return json(res, 200, {
          count: 2,
          value: [
            location(
              '9946fd70-0d40-406e-b686-b4744cbbcc37',
              'git',
              'pullRequests',
              '{project}/_apis/{area}/repositories/{repositoryId}/{resource}/{pullRequestId}',
            ),
            location('01a46dea-7d46-4d40-bc84-319e7c260d99', 'git', 'pullRequests', '{project}/_apis/{area}/{resource}/{pullRequestId}'),
          ],
        });
      }
      const byRepo = new RegExp(`^${orgLower}/([^/]+)/_apis/git/repositories/([^/]+)/pullrequests(?:/(\\d+))?$`).exec(p);
      const byId = new RegExp(`^${orgLower}/([^/]+)/_apis/git/pullrequests/(\\d+)$`).exec(p);
      if (byId && request.method === 'GET') {
        const pr = pulls.find((x) => x.pullRequestId === Number(byId[2]));
        return pr ? json(res, 200, pr) : json(res, 404, { message: `TF401180: The requested pull request was not found.` });
      }
      if (!byRepo) return json(res, 404, { message: `no route for ${request.method} ${request.path}` });
      const [, project, repoName, id] = byRepo;
      const repository = decodeURIComponent(request.path.split('/')[6]);
      if (decodeURIComponent(project) !== options.project.toLowerCase() || !fs.existsSync(bare(repository))) {
        return json(res, 404, {
          message: `TF401019: The Git repository with name or identifier ${repoName} does not exist or you do not have permissions for the operation you are attempting.`,
        });
      }
      const body = request.body ? JSON.parse(request.body) : {};
      if (request.method === 'GET' && !id) {
        // Enums arrive as names or numbers, as the service accepts both.
        const given = request.query['searchCriteria.status'] ?? 'active';
        const status = (['notSet', 'active', 'abandoned', 'completed', 'all'][Number(given)] ?? given).toLowerCase();
        const target = request.query['searchCriteria.targetRefName'];
        const found = pulls.filter(
          (x) => x.repository.name === repository && (status === 'all' || x.status === status) && (!target || x.targetRefName === target),
        );
        return json(res, 200, { count: found.length, value: found });
      }
      if (request.method === 'POST' && !id) {
        const exists = (ref: string) => {
          try {
            execFileSync('git', ['--git-dir', bare(repository), 'rev-parse', '--verify', '--quiet', ref], { stdio: 'ignore' });
            return true;
          } catch {
            return false;
          }
        };
        if (!exists(body.sourceRefName) || !exists(body.targetRefName))
          return json(res, 400, {
            message:
              'TF401398: The pull request cannot be activated because the source and/or the target branch no longer exists, or the requested refs are not branches',
          });
        if (pulls.some((x) => x.status === 'active' && x.sourceRefName === body.sourceRefName && x.targetRefName === body.targetRefName)) {
          return json(res, 409, {
            message: 'TF401179: An active pull request for the source and target branch already exists.',
            typeKey: 'GitPullRequestExistsException',
          });
        }
        const pr: PullRequest = {
          pullRequestId: pulls.length + 1,
          status: 'active',
          sourceRefName: body.sourceRefName,
          targetRefName: body.targetRefName,
          title: body.title,
          description: body.description,
          createdBy: BUILD_SERVICE,
          reviewers: body.reviewers ?? [],
          repository: { id: `repo-${repository}`, name: repository, project: { name: options.project } },
          mergeStatus: 'succeeded',
        };
        pulls.push(pr);
        return json(res, 201, pr);
      }
      if (request.method === 'PATCH' && id) {
        const pr = pulls.find((x) => x.pullRequestId === Number(id));
        if (!pr) return json(res, 404, { message: 'TF401180: The requested pull request was not found.' });
        for (const key of ['title', 'description', 'autoCompleteSetBy', 'completionOptions'] as const)
          if (body[key] !== undefined) (pr as unknown as Record<string, unknown>)[key] = body[key];
        // With no branch policies to wait for, the service completes an auto-complete pull request at once.
        if (body.autoCompleteSetBy && pr.status === 'active') {
          setTimeout(() => {
            if (pr.status !== 'active') return;
            completePullRequest(pr);
          }, 200);
        }
        if (body.status === 'completed') {
          completePullRequest(pr);
        } else if (body.status === 'abandoned') pr.status = 'abandoned';
        return json(res, 200, pr);
      }
      return json(res, 405, { message: `${request.method} is not supported here` });
    },
    control(message: unknown) {
      const { complete } = message as { complete?: number };
      const pr = pulls.find((x) => x.pullRequestId === complete);
      if (pr) {
        completePullRequest(pr);
      }
      return pulls;
    },
  };
}
