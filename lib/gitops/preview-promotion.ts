import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UserError } from '../user-error';
import { Git } from './git';
import { promote, type PromoteRequest } from './promote';

/**
 * The diff a promotion would make, computed against a local folder with the
 * config repo's layout: the folder becomes a throw-away repository and the
 * promotion runs as a dry run against it. Nothing outside a temp folder is touched.
 */
export async function previewPromotion(folder: string, request: Omit<PromoteRequest, 'repoUrl' | 'branch' | 'auth' | 'workDir' | 'dryRun'>): Promise<string> {
  if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) throw new UserError(`configRepo.previewPath: '${folder}' is not a folder.`);
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'plan-preview-'));
  try {
    const origin = path.join(temp, 'origin');
    fs.cpSync(folder, origin, { recursive: true });
    const git = new Git(origin);
    await git.run(['init', '--quiet', '--initial-branch=preview'], 'git init');
    await git.run(['add', '-A'], 'git add');
    await git.run(['-c', 'user.name=plan', '-c', 'user.email=plan@localhost', 'commit', '--quiet', '-m', 'preview'], 'git commit');
    const result = await promote(
      { ...request, repoUrl: `file://${origin}`, branch: 'preview', auth: {}, workDir: path.join(temp, 'work'), dryRun: true },
      () => {},
    );
    return result.diff;
  } finally {
    fs.rmSync(temp, { recursive: true, force: true });
  }
}
