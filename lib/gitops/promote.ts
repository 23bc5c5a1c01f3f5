import * as fs from 'node:fs';
import * as path from 'node:path';
import { readTextFile } from '../read-text-file';
import { UserError } from '../user-error';
import { checkoutConfigRepo } from './config-repo';
import { environmentPath, imageSlots, type Layout } from './environment-path';
import type { GitAuth } from './git';
import { formatImageRef, type ImageRef } from './image-ref';
import { rebaseAndPush } from './rebase-and-push';
import { fillPattern } from './path-pattern';
import { CONFIG_FILE_LIMIT } from './yaml-file';

export interface PromoteRequest {
  repoUrl: string;
  /** The branch to start from. */
  branch: string;
  /** The branch to push to (a pull request's source branch, named after what is promoted); default `branch`. */
  pushBranch?: string | ((apps: AppPromotion[]) => string);
  auth: GitAuth;
  apps: string[];
  /** Read the image from this environment... */
  sourceEnvironment?: string;
  /** ...or promote this one. */
  image?: ImageRef;
  targetEnvironment: string;
  layout: Layout;
  pathPattern: string;
  helmImageKey: string;
  author: { name: string; email: string };
  /** With {apps}, {source}, {target} and {image}. */
  messageTemplate: string;
  /** Extra commit trailers: build id, run URL, requested by. */
  trailers: Record<string, string | undefined>;
  dryRun: boolean;
  pushRetries: number;
  /** An empty folder for the working copy. */
  workDir: string;
}

export interface AppPromotion {
  app: string;
  previous: string;
  promoted: string;
  files: string[];
}

export interface PromoteResult {
  changed: boolean;
  /** The commit that carries the promotion (or the branch tip when nothing changed). */
  commitSha: string;
  apps: AppPromotion[];
  /** The unified diff of the change (empty when nothing changed). */
  diff: string;
  pushAttempts: number;
}

/**
 * Moves each app's image into the target environment of the config repo as one
 * commit, pushed without force. Nothing is written when every app already runs
 * the image. Every app is checked (paths, YAML, image keys) before any file changes.
 */
export async function promote(request: PromoteRequest, log: (line: string) => void): Promise<PromoteResult> {
  if (!request.sourceEnvironment && !request.image)
    throw new UserError("Set either 'sourceEnvironment' (promote what it runs) or 'image' (promote that image).");
  if (request.sourceEnvironment && request.image) throw new UserError("Set 'sourceEnvironment' or 'image', not both.");
  if (request.sourceEnvironment === request.targetEnvironment)
    throw new UserError(`The source and target environment are both '${request.targetEnvironment}'.`);

  const sparse = request.apps.flatMap((app) =>
    [request.sourceEnvironment, request.targetEnvironment].filter((e): e is string => !!e).map((env) => fillPattern(request.pathPattern, app, env)),
  );
  const git = await checkoutConfigRepo(request.repoUrl, request.branch, request.auth, request.workDir, sparse);
  const repoDir = request.workDir;
  const base = (await git.run(['rev-parse', 'HEAD'], 'git rev-parse')).trim();

  // Plan every app before touching a file.
  const edits = new Map<string, string>();
  const read = (file: string) => edits.get(file) ?? readTextFile(path.join(repoDir, file), CONFIG_FILE_LIMIT, file);
  const apps: AppPromotion[] = [];
  for (const app of request.apps) {
    const query = (env: string, imageName?: string) => ({
      repoDir,
      path: environmentPath(repoDir, request.pathPattern, app, env),
      app,
      imageName,
      helmImageKey: request.helmImageKey,
    });
    let image = request.image;
    if (request.sourceEnvironment) {
      const sourceSlots = imageSlots(request.layout, query(request.sourceEnvironment));
      image = sourceSlots[0].current;
      const differing = sourceSlots.find((s) => formatImageRef(s.current) !== formatImageRef(image!));
      if (differing)
        throw new UserError(
          `${app} runs two images in '${request.sourceEnvironment}' (${formatImageRef(image)} and ${formatImageRef(differing.current)} in ${differing.file}); promote an explicit image instead.`,
        );
    }
    const targetSlots = imageSlots(request.layout, query(request.targetEnvironment, image!.name));
    for (const slot of targetSlots) {
      try {
        edits.set(slot.file, slot.write(read(slot.file), image!));
      } catch (error) {
        // The file and its image entry, so the user knows where to look.
        throw error instanceof UserError ? new UserError(`${slot.file} (${slot.where}): ${error.message}`) : error;
      }
    }
    apps.push({ app, previous: formatImageRef(targetSlots[0].current), promoted: formatImageRef(image!), files: [...new Set(targetSlots.map((s) => s.file))] });
  }

  for (const [file, text] of edits) fs.writeFileSync(path.join(repoDir, file), text);
  const diff = await git.run(['diff', '--no-color', '--no-ext-diff'], 'git diff');
  if (!diff.trim()) {
    log(`Nothing to change: ${apps.map((a) => `${a.app} already runs ${a.promoted} in ${request.targetEnvironment}`).join('; ')}.`);
    return { changed: false, commitSha: base, apps, diff: '', pushAttempts: 0 };
  }
  if (request.dryRun) {
    log(`Dry run: this commit would be pushed to '${pushTarget(request, apps)}':\n${diff}`);
    return { changed: true, commitSha: base, apps, diff, pushAttempts: 0 };
  }

  const images = apps.map((a) => a.promoted);
  const message = request.messageTemplate
    .replaceAll('{apps}', request.apps.join(', '))
    .replaceAll('{source}', request.sourceEnvironment ?? 'image')
    .replaceAll('{target}', request.targetEnvironment)
    .replaceAll('{image}', [...new Set(images)].join(', '));
  const trailers: [string, string | undefined][] = [
    ['Promoted-From', request.sourceEnvironment ?? '(explicit image)'],
    ['Promoted-To', request.targetEnvironment],
    ...apps.map((a): [string, string] => ['Image', `${a.app}=${a.promoted}`]),
    ...apps.map((a): [string, string] => ['Previous-Image', `${a.app}=${a.previous}`]),
    ...Object.entries(request.trailers),
  ];
  await git.run(['add', '--', ...edits.keys()], 'git add');
  await git.run(
    [
      '-c',
      `user.name=${request.author.name}`,
      '-c',
      `user.email=${request.author.email}`,
      'commit',
      '--quiet',
      '-m',
      message,
      ...trailers.filter((t): t is [string, string] => !!t[1]).flatMap(([key, value]) => ['--trailer', `${key}: ${value}`]),
    ],
    'git commit',
  );
  const target = pushTarget(request, apps);
  const outcome = await rebaseAndPush(git, target, request.pushRetries, log);
  if (!outcome.pushed) log(`Someone pushed the same change first: '${target}' is at ${outcome.sha} with ${images.join(', ')}.`);
  return { changed: outcome.pushed, commitSha: outcome.sha, apps, diff, pushAttempts: outcome.attempts };
}

function pushTarget(request: PromoteRequest, apps: AppPromotion[]): string {
  return typeof request.pushBranch === 'function' ? request.pushBranch(apps) : (request.pushBranch ?? request.branch);
}
