import { UserError } from '../user-error';
import { checkoutConfigRepo } from './config-repo';
import type { GitAuth } from './git';
import { rebaseAndPush, type PushOutcome } from './rebase-and-push';

export interface RevertRequest {
  repoUrl: string;
  branch: string;
  auth: GitAuth;
  /** The promotion commit to revert. */
  commit: string;
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
  // The promotion and its parent, even when others have pushed since (shallow clone).
  await git.run(['fetch', '--quiet', '--depth=2', 'origin', request.commit], `git fetch of the promotion commit ${request.commit.slice(0, 12)}`);
  const revert = await git.exec(['-c', `user.name=${request.author.name}`, '-c', `user.email=${request.author.email}`, 'revert', '--no-edit', request.commit]);
  if (revert.code !== 0) {
    await git.exec(['revert', '--abort']);
    throw new UserError(
      `The promotion ${request.commit.slice(0, 12)} cannot be reverted automatically: later commits changed the same lines. Revert it by hand.`,
    );
  }
  const subject = (await git.run(['log', '-1', '--format=%B'], 'git log')).trimEnd();
  await git.run(
    [
      '-c',
      `user.name=${request.author.name}`,
      '-c',
      `user.email=${request.author.email}`,
      'commit',
      '--quiet',
      '--amend',
      '-m',
      `${subject}\n\n${request.reason}`,
      '--trailer',
      `Reverts: ${request.commit}`,
    ],
    'git commit',
  );
  log(`Reverting ${request.commit.slice(0, 12)}: ${request.reason}`);
  return rebaseAndPush(git, request.branch, request.pushRetries, log);
}
