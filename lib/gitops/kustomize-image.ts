import * as fs from 'node:fs';
import * as path from 'node:path';
import { isMap, isSeq, parseDocument, type YAMLMap } from 'yaml';
import { UserError } from '../user-error';
import { imageBaseName, type ImageRef } from './image-ref';
import type { ImageSlot, SlotQuery } from './image-slot';
import { readYamlFile } from './yaml-file';
import { editYaml } from './yaml-edit';

export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/**
 * The `images:` entry of an overlay's kustomization for the app: the entry whose
 * `name` or `newName` ends in the app's (or the promoted image's) name.
 */
export function kustomizeImageSlots(query: SlotQuery): ImageSlot[] {
  const name = KUSTOMIZATION_FILES.find((f) => fs.existsSync(path.join(query.repoDir, query.path, f)));
  if (!name) throw new UserError(`${query.path} has no kustomization.yaml`);
  const file = path.posix.join(query.path, name);
  const { docs } = readYamlFile(query.repoDir, file, query.path);
  const images = docs[0]?.get('images', true);
  const wanted = new Set([query.app, ...(query.imageName ? [imageBaseName(query.imageName)] : [])]);
  const index = isSeq(images)
    ? images.items.findIndex(
        (item) => isMap(item) && [item.get('name'), item.get('newName')].some((n) => typeof n === 'string' && wanted.has(imageBaseName(n))),
      )
    : -1;
  if (index < 0) throw new UserError(`${file} has no images entry for '${query.app}': add one under images: with name, newName and newTag`);
  const entry = (images as { items: YAMLMap[] }).items[index];
  const str = (key: string) => (typeof entry.get(key) === 'string' || typeof entry.get(key) === 'number' ? String(entry.get(key)) : undefined);
  const baseName = str('name')!;
  return [
    {
      file,
      where: `images[${index}]`,
      current: { name: str('newName') ?? baseName, tag: str('newTag'), digest: str('digest') },
      write(text: string, image: ImageRef) {
        const doc = parseDocument(text);
        const at = (key: string) => ['images', index, key];
        return editYaml(text, doc, [
          { path: at('newName'), value: image.name === baseName && str('newName') === undefined ? undefined : image.name },
          { path: at('newTag'), value: image.tag },
          { path: at('digest'), value: image.digest },
        ]);
      },
    },
  ];
}
