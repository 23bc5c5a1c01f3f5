import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../user-error';
import { helmValuesImageSlots } from './helm-values-image';
import type { ImageSlot, SlotQuery } from './image-slot';
import { KUSTOMIZATION_FILES, kustomizeImageSlots } from './kustomize-image';
import { manifestImageSlots } from './manifest-image';
import { fillPattern } from './path-pattern';

export type Layout = 'auto' | 'kustomize' | 'helm-values' | 'manifest';

/**
 * The path of an app in an environment, from the pattern (`apps/{app}/overlays/{env}`).
 * It must stay inside the repository and exist: a missing one means an unknown app or environment.
 */
export function environmentPath(repoDir: string, pattern: string, app: string, env: string): string {
  const relative = path.posix.normalize(fillPattern(pattern, app, env)).replace(/\/$/, '');
  if (path.posix.isAbsolute(relative) || relative === '..' || relative.startsWith('../')) {
    throw new UserError(`Input 'pathPattern' ('${pattern}') leads outside the repository: ${relative}`);
  }
  const full = path.join(repoDir, relative);
  if (!fs.existsSync(full)) {
    throw new UserError(`${relative} does not exist in the config repo: check the app '${app}', the environment '${env}' and the path pattern '${pattern}'`);
  }
  const real = fs.realpathSync(full);
  const root = fs.realpathSync(repoDir);
  if (real !== root && !real.startsWith(root + path.sep)) throw new UserError(`${relative} is a link that leads outside the repository`);
  return relative;
}

export function detectLayout(repoDir: string, relative: string): Exclude<Layout, 'auto'> {
  const full = path.join(repoDir, relative);
  if (fs.statSync(full).isFile()) return /values[^/]*\.ya?ml$/.test(relative) ? 'helm-values' : 'manifest';
  if (KUSTOMIZATION_FILES.some((f) => fs.existsSync(path.join(full, f)))) return 'kustomize';
  if (fs.existsSync(path.join(full, 'values.yaml'))) return 'helm-values';
  return 'manifest';
}

export function imageSlots(layout: Layout, query: SlotQuery): ImageSlot[] {
  const chosen = layout === 'auto' ? detectLayout(query.repoDir, query.path) : layout;
  if (chosen === 'kustomize') return kustomizeImageSlots(query);
  if (chosen === 'helm-values') return helmValuesImageSlots(query);
  return manifestImageSlots(query);
}
