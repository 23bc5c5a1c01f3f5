import { UserError } from '../user-error';
import type { Git } from './git';
import { traced } from '../telemetry/task-trace';

export interface PushOutcome {
  /** The commit the branch points at afterwards. */
  sha: string;
  /** False when, after a rebase, our change was already on the branch (someone pushed the same). */
  pushed: boolean;
  attempts: number;
}

const REJECTED = /\[rejected\]|\(fetch first\)|\(non-fast-forward\)|cannot lock ref|failed to update ref|\[remote rejected\] .*(lock|stale)/;

/**
 * Pushes HEAD (one commit on top of the fetched branch) without ever forcing.
 * When someone pushed first, it fetches the branch, replays the commit onto it
 * (`rebase --onto`) and tries again after a jittered backoff, `retries` times.
 * A real conflict aborts the rebase and fails: the remote is left untouched.
 */
export async function rebaseAndPush(git: Git, branch: string, retries: number, log: (line: string) => void): Promise<PushOutcome> {
  for (let attempt = 1; ; attempt++) {
    const push = await traced('git push', { 'vcs.ref.head.name': branch, 'gitops_stack.push.attempt': attempt }, () =>
      git.exec(['push', '--porcelain', 'origin', `HEAD:refs/heads/${branch}`]),
    );
    // `=` ... `[up to date]`: the branch already was at our very commit (an identical promotion at the same second landed first).
    if (push.code === 0)
      return { sha: (await git.run(['rev-parse', 'HEAD'], 'git rev-parse')).trim(), pushed: !/^=\t.*\[up to date\]/m.test(push.stdout), attempts: attempt };
    const output = `${push.stdout}\n${push.stderr}`;
    if (!REJECTED.test(output)) {
      // The server's own words (branch policy, hook) first, then git's.
      const lines = output.split('\n').map((l) => l.trim());
      const reason = lines.find((l) => /^remote:\s*\S/.test(l)) ?? lines.find((l) => /^(fatal|error):|\[remote rejected\]/.test(l)) ?? 'unknown error';
      throw new UserError(`git push to '${branch}' failed: ${reason}`);
    }
    if (attempt > retries) {
      throw new UserError(
        `git push to '${branch}' was rejected ${attempt} times because others pushed first; nothing was forced. Run the promotion again, or raise 'pushRetries'.`,
      );
    }
    // Full jitter over a growing window: writers that collided spread over the whole window
    // instead of meeting again in its upper half (20 at once land within the default 5 retries).
    const cap = Math.min(16000, 1000 * 2 ** (attempt - 1));
    const delay = Math.round(Math.random() * cap);
    log(`push rejected (someone pushed first); replaying the commit on the new '${branch}' in ${delay} ms (attempt ${attempt + 1} of ${retries + 1})`);
    await new Promise((resolve) => setTimeout(resolve, delay));
    await git.run(['fetch', '--depth=1', 'origin', `refs/heads/${branch}`], `git fetch of '${branch}'`);
    // Two identical promotions at the same second make the same commit: when the branch already
    // holds it (or the same tree), there is nothing to replay, and the shallow fetch has cut
    // HEAD's parent, so a rebase could not even start.
    const [ours, theirs] = await Promise.all(
      ['HEAD^{tree}', 'FETCH_HEAD^{tree}'].map(async (ref) => (await git.run(['rev-parse', ref], 'git rev-parse')).trim()),
    );
    if (ours === theirs) return { sha: (await git.run(['rev-parse', 'FETCH_HEAD'], 'git rev-parse')).trim(), pushed: false, attempts: attempt };
    const rebase = await git.exec(['rebase', '--onto', 'FETCH_HEAD', 'HEAD~1']);
    if (rebase.code !== 0) {
      const conflicted = (await git.exec(['diff', '--name-only', '--diff-filter=U'])).stdout.trim().split('\n').filter(Boolean);
      await git.exec(['rebase', '--abort']);
      throw new UserError(
        `Someone changed the same lines on '${branch}' meanwhile (conflict in ${conflicted.join(', ') || 'the promoted files'}); nothing was pushed. Check the branch and run the promotion again.`,
      );
    }
    const [head, fetched] = await Promise.all(['HEAD', 'FETCH_HEAD'].map(async (ref) => (await git.run(['rev-parse', ref], 'git rev-parse')).trim()));
    if (head === fetched) return { sha: head, pushed: false, attempts: attempt };
  }
}
