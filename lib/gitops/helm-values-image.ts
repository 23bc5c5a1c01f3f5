import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDocument } from 'yaml';
import { UserError } from '../user-error';
import type { ImageRef } from './image-ref';
import type { ImageSlot, SlotQuery } from './image-slot';
import { readYamlFile } from './yaml-file';
import { editYaml } from './yaml-edit';

/**
 * The image in a Helm values file: the tag at `helmImageKey` (e.g. `image.tag`),
 * with `digest` and `repository` beside it when the file has them or the image needs them.
 */
export function helmValuesImageSlots(query: SlotQuery): ImageSlot[] {
  const target = path.join(query.repoDir, query.path);
  const file = fs.statSync(target).isDirectory() ? path.posix.join(query.path, 'values.yaml') : query.path;
  if (!fs.existsSync(path.join(query.repoDir, file)))
    throw new UserError(`${file} does not exist: point the path pattern at a values file or a folder with values.yaml`);
  const { docs } = readYamlFile(query.repoDir, file);
  const keyPath = query.helmImageKey.split('.');
  const parent = keyPath.slice(0, -1);
  const doc = docs[0];
  const tag = doc?.getIn(keyPath);
  if (tag === undefined || tag === null || typeof tag === 'object')
    throw new UserError(`${file} has no value at '${query.helmImageKey}' (the Helm values image key)`);
  const sibling = (key: string) => {
    const value = doc.getIn([...parent, key]);
    return typeof value === 'string' ? value : undefined;
  };
  const repository = sibling('repository');
  return [
    {
      file,
      where: query.helmImageKey,
      current: { name: repository ?? query.app, tag: String(tag), digest: sibling('digest') },
      write(text: string, image: ImageRef) {
        return editYaml(text, parseDocument(text), [
          { path: keyPath, value: image.tag ?? '' },
          { path: [...parent, 'digest'], value: image.digest },
          ...(repository !== undefined ? [{ path: [...parent, 'repository'], value: image.name }] : []),
        ]);
      },
    },
  ];
}
