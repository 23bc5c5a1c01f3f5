import * as fs from 'node:fs';
import * as path from 'node:path';
import { isMap, isSeq, parseAllDocuments, type Document } from 'yaml';
import { UserError } from '../user-error';
import { formatImageRef, imageBaseName, parseImageRef, type ImageRef } from './image-ref';
import type { ImageSlot, SlotQuery } from './image-slot';
import { readYamlFile } from './yaml-file';
import { editYaml } from './yaml-edit';

// Where workloads keep their pod spec.
const POD_SPECS = [['spec', 'template', 'spec'], ['spec', 'jobTemplate', 'spec', 'template', 'spec'], ['spec']];

/** Every container, in the plain manifests of the folder, whose image is the app's. */
export function manifestImageSlots(query: SlotQuery): ImageSlot[] {
  const dir = path.join(query.repoDir, query.path);
  const files = (fs.statSync(dir).isDirectory() ? fs.readdirSync(dir).map((f) => path.posix.join(query.path, f)) : [query.path])
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
  const wanted = new Set([query.app, ...(query.imageName ? [imageBaseName(query.imageName)] : [])]);
  const slots: ImageSlot[] = [];
  for (const file of files) {
    const { docs } = readYamlFile(query.repoDir, file, query.path);
    docs.forEach((doc, docIndex) => {
      for (const spec of POD_SPECS) {
        for (const list of ['initContainers', 'containers']) {
          const containers = doc.getIn([...spec, list], true);
          if (!isSeq(containers)) continue;
          containers.items.forEach((container, i) => {
            const image = isMap(container) ? container.get('image') : undefined;
            if (typeof image !== 'string') return;
            // Only the app's own image is parsed: another one (an untagged busybox init container) is not ours to judge.
            const name = image.split('@')[0].replace(/:[^/:]*$/, '');
            if (!wanted.has(imageBaseName(name))) return;
            const current = parseImageRef(image, `${file}: image`);
            const at = [...spec, list, i, 'image'];
            slots.push({
              file,
              where: `${at.join('.')}${docs.length > 1 ? ` (document ${docIndex + 1})` : ''}`,
              current,
              write(text: string, next: ImageRef) {
                const again = parseAllDocuments(text)[docIndex] as Document;
                return editYaml(text, again, [{ path: at, value: formatImageRef(next) }]);
              },
            });
          });
        }
      }
    });
  }
  if (slots.length === 0) throw new UserError(`${query.path} has no container image for '${query.app}' in its manifests`);
  return slots;
}
