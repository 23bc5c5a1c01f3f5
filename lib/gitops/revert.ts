import { UserError } from '../user-error';
import { checkoutConfigRepo } from './config-repo';
import type { GitAuth } from './git';
import { rebaseAndPush, type PushOutcome } from './rebase-and-push';

export interface RevertRequest {
  repoUrl: string;
  branch: string;
  auth: GitAuth;
  /** The promotion commit to revert: the pushed commit, or what a completed pull request left on the branch. */
  commit: string;
  /**
   * The branch's commit before the promotion landed (a pull request's target commit), when known:
   * a rebase completion replays several commits, and all of them are reverted.
   */
  before?: string;
  /** Paths the promotion touched: the sparse checkout. */
  paths: string[];
  author: { name: string; email: string };
  reason: string;
  pushRetries: number;
  workDir: string;
}

/** Pushes a `git revert` of a promotion on top of the branch, with the same no-force, rebase-and-retry rules. */
export async function revertPromotion(request: RevertRequest, log: (line: string) => void): Promise<PushOutcome> {
  const git = await checkoutConfigRepo(request.repoUrl, request.branch, request.auth, request.workDir, request.paths);
  const short = request.commit.slice(0, 12);
  // The promotion and what it landed on, even when others have pushed since (shallow clone).
  await git.run(['fetch', '--quiet', '--depth=50', 'origin', request.commit], `git fetch of the promotion commit ${short}`);
  const parents = (await git.run(['rev-list', '--parents', '-n', '1', request.commit], 'git rev-list')).trim().split(' ').slice(1);
  const identity = ['-c', `user.name=${request.author.name}`, '-c', `user.email=${request.author.email}`];
  // A merge commit (merge strategies noFastForward, rebaseMerge) is reverted against its first parent, the
  // branch before the merge; a rebase completion's commits all at once; a squash or pushed commit alone.
  const range = request.before && parents.length === 1 && parents[0] !== request.before ? `${request.before}..${request.commit}` : undefined;
  let how = ['--no-edit', request.commit];
  if (parents.length > 1) how = ['--no-edit', '-m', '1', request.commit];
  else if (range) how = ['--no-commit', range];
  const revert = await git.exec([...identity, 'revert', ...how]);
  if (revert.code !== 0) {
    await git.exec(['revert', '--abort']);
    throw new UserError(`The promotion ${short} cannot be reverted automatically: later commits changed the same lines. Revert it by hand.`);
  }
  if (range)
    await git.run([...identity, 'commit', '--quiet', '-m', `Revert "${short}" and the commits before it since ${request.before!.slice(0, 12)}`], 'git commit');
  const subject = (await git.run(['log', '-1', '--format=%B'], 'git log')).trimEnd();
  await git.run(
    [...identity, 'commit', '--quiet', '--amend', '-m', `${subject}\n\n${request.reason}`, '--trailer', `Reverts: ${request.commit}`],
    'git commit',
  );
  log(`Reverting ${short}: ${request.reason}`);
  return rebaseAndPush(git, request.branch, request.pushRetries, log);
}
