import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const ENVIRONMENTS = ['dev', 'staging', 'prod'];

export interface ConfigRepoFixture {
  /** The bare repository folder. */
  bare: string;
  url: string;
  /** A file's text on the remote branch. */
  show(file: string, ref?: string): string;
  log(format?: string): string[];
  /** Commits a change to the remote through a second clone, as a colleague would. */
  pushChange(file: string, change: (text: string) => string, message: string): void;
  cleanup(): void;
}

export const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=Fixture', '-c', 'user.email=fixture@example.com', '-c', 'init.defaultBranch=main', ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });

export function kustomization(app: string, tag: string): string {
  return [
    `# ${app} overlay`,
    'apiVersion: kustomize.config.k8s.io/v1beta1',
    'kind: Kustomization',
    'resources:',
    '  - ../../base',
    'images:',
    `  - name: ${app}            # the image name in the base Deployment`,
    `    newName: acr.azurecr.io/${app}`,
    `    newTag: "${tag}"`,
    '',
  ].join('\n');
}

/**
 * A config repo in the layout PromoteEnv edits (apps/<app>/overlays/<env>/kustomization.yaml),
 * pushed to a bare repository that allows partial clone, like Azure Repos.
 */
export function createConfigRepo(
  apps: string[],
  tags: Record<string, string> = { dev: '1.4.2', staging: '1.4.1', prod: '1.4.0' },
  extra: Record<string, string> = {},
): ConfigRepoFixture {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'config-repo-'));
  const bare = path.join(root, 'config-repo.git');
  const work = path.join(root, 'seed');
  git(root, 'init', '--quiet', '--bare', bare);
  git(bare, 'config', 'uploadpack.allowFilter', 'true');
  git(root, 'init', '--quiet', work);
  for (const app of apps) {
    fs.mkdirSync(path.join(work, 'apps', app, 'base'), { recursive: true });
    fs.writeFileSync(path.join(work, 'apps', app, 'base', 'kustomization.yaml'), 'resources:\n  - deployment.yaml\n');
    for (const env of ENVIRONMENTS) {
      fs.mkdirSync(path.join(work, 'apps', app, 'overlays', env), { recursive: true });
      fs.writeFileSync(path.join(work, 'apps', app, 'overlays', env, 'kustomization.yaml'), kustomization(app, tags[env]));
    }
  }
  for (const [file, text] of Object.entries(extra)) {
    fs.mkdirSync(path.dirname(path.join(work, file)), { recursive: true });
    fs.writeFileSync(path.join(work, file), text);
  }
  git(work, 'add', '-A');
  git(work, 'commit', '--quiet', '-m', 'seed');
  git(work, 'push', '--quiet', bare, 'HEAD:refs/heads/main');
  const url = `file://${bare}`;
  return {
    bare,
    url,
    show: (file, ref = 'main') => git(bare, 'show', `${ref}:${file}`),
    log: (format = '%s') => git(bare, 'log', `--format=${format}`, 'main').trim().split('\n'),
    pushChange(file, change, message) {
      const dir = fs.mkdtempSync(path.join(root, 'colleague-'));
      git(root, 'clone', '--quiet', bare, dir);
      fs.writeFileSync(path.join(dir, file), change(fs.readFileSync(path.join(dir, file), 'utf8')));
      git(dir, 'commit', '--quiet', '-am', message);
      git(dir, 'push', '--quiet', 'origin', 'HEAD:main');
    },
    cleanup: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}
