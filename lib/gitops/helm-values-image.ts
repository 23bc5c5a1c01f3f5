import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDocument } from 'yaml';
import { UserError } from '../user-error';
import { formatImageRef, parseImageRef, type ImageRef } from './image-ref';
import type { ImageSlot, SlotQuery } from './image-slot';
import { readYamlFile } from './yaml-file';
import { editYaml, type YamlPath } from './yaml-edit';

/** A tag never holds '/' or ':' (before a digest): a value that does is a whole image reference. */
const isWholeImage = (value: string) => /[/:]/.test(value.split('@')[0]);

/**
 * The image in a Helm values file, in the three ways charts write it:
 * - `tag` at `helmImageKey` (e.g. `image.tag`), with `repository` and `digest` beside it when
 *   the file has them or the image needs a digest;
 * - `tag: "v1.2.3@sha256:…"`: the digest pinned inside the tag, kept there (a chart that reads
 *   only `image.tag` keeps its pin);
 * - one string, `image: "registry/web:1.2.3"` (at `helmImageKey`, or at its parent when the key
 *   is absent): the whole reference is rewritten, repository included.
 */
export function helmValuesImageSlots(query: SlotQuery): ImageSlot[] {
  const target = path.join(query.repoDir, query.path);
  const file = fs.statSync(target).isDirectory() ? path.posix.join(query.path, 'values.yaml') : query.path;
  if (!fs.existsSync(path.join(query.repoDir, file)))
    throw new UserError(`${file} does not exist: point the path pattern at a values file or a folder with values.yaml`);
  const { docs } = readYamlFile(query.repoDir, file, query.path);
  const doc = docs[0];
  const keyPath = query.helmImageKey.split('.');
  const parent = keyPath.slice(0, -1);
  const at = doc?.getIn(keyPath);
  const above = parent.length ? doc?.getIn(parent) : undefined;

  const whole: YamlPath | undefined =
    typeof at === 'string' && isWholeImage(at) ? keyPath : at === undefined && typeof above === 'string' && isWholeImage(above) ? parent : undefined;
  if (whole) {
    const current = parseImageRef(String(doc.getIn(whole)), `${file}: ${whole.join('.')}`);
    return [
      {
        file,
        where: whole.join('.'),
        current,
        write: (text: string, image: ImageRef) => editYaml(text, parseDocument(text), [{ path: whole, value: formatImageRef(image) }]),
      },
    ];
  }

  if (at === undefined || at === null || typeof at === 'object')
    throw new UserError(`${file} has no value at '${query.helmImageKey}' (the Helm values image key)`);
  const sibling = (key: string) => {
    const value = doc.getIn([...parent, key]);
    return typeof value === 'string' ? value : undefined;
  };
  const repository = sibling('repository');
  const [tag, pinned] = String(at).split('@');
  return [
    {
      file,
      where: query.helmImageKey,
      current: { name: repository ?? query.app, tag, digest: pinned ?? sibling('digest') },
      write(text: string, image: ImageRef) {
        // A digest goes where the file keeps it: inside the tag when it pinned one there, else its own key.
        const inTag = pinned !== undefined;
        return editYaml(text, parseDocument(text), [
          { path: keyPath, value: inTag && image.digest ? `${image.tag ?? ''}@${image.digest}` : (image.tag ?? '') },
          ...(inTag ? [] : [{ path: [...parent, 'digest'], value: image.digest }]),
          ...(repository !== undefined ? [{ path: [...parent, 'repository'], value: image.name }] : []),
        ]);
      },
    },
  ];
}
