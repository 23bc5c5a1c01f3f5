import type { ImageRef } from './image-ref';

/** One place in the config repo that holds an app's image for one environment. */
export interface ImageSlot {
  /** Path relative to the repository root. */
  file: string;
  /** Where in the file, for messages, e.g. `images[0]` or `image.tag`. */
  where: string;
  current: ImageRef;
  /** The file's new text with `image` in this slot; other bytes unchanged. */
  write(text: string, image: ImageRef): string;
}

/** How a layout finds an app's image slots in an environment's folder or file. */
export interface SlotQuery {
  repoDir: string;
  /** The environment's path for this app, relative to the repository root. */
  path: string;
  app: string;
  /** The repository name of the image being promoted, when known, to match slots by. */
  imageName?: string;
  helmImageKey: string;
}
