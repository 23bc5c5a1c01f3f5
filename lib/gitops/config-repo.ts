import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../user-error';
import { Git, type GitAuth } from './git';

/**
 * A working copy of the config repo that holds only what a promotion touches:
 * the branch tip (depth 1), blobs fetched on demand (partial clone where the
 * server supports it), and a sparse checkout of the given paths. Its cost
 * follows what changes, not the size or history of the repository.
 */
export async function checkoutConfigRepo(url: string, branch: string, auth: GitAuth, dir: string, paths: string[]): Promise<Git> {
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const git = new Git(dir, auth);
  await git
    .run(
      ['clone', '--quiet', '--depth=1', '--single-branch', '--branch', branch, '--no-checkout', '--filter=blob:none', '--', url, dir],
      `git clone of the config repo (branch '${branch}')`,
      path.dirname(dir),
    )
    .catch((error: Error) => {
      if (/Remote branch .* not found|couldn't find remote ref/i.test(error.message))
        throw new UserError(`The config repo has no branch '${branch}' (input 'configRepoBranch').`);
      if (/could not read Username|terminal prompts disabled|Authentication failed|Access denied|returned error: 40[13]/i.test(error.message))
        throw new UserError(
          `The config repo refused the sign-in (${error.message.replace(/^.*failed: /, '')}). With repoAuth 'systemAccessToken' the project's build identity needs Read on the repository (Contribute to push); with a service connection or token, its token needs Code (Read & Write).`,
        );
      throw error;
    });
  // Cone mode takes folders: each path's parent covers the path whether it is a file or a folder.
  // The sparse index keeps index work in proportion to those folders, not to the repository.
  const folders = [...new Set(paths.map((p) => path.posix.dirname(path.posix.normalize(p))).filter((d) => d !== '.' && !d.startsWith('..')))];
  await git.run(['sparse-checkout', 'set', '--cone', '--sparse-index', '--', ...folders], 'git sparse-checkout');
  await git.run(['checkout', '--quiet', branch], 'git checkout');
  return git;
}
