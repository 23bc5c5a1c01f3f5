import { UserError } from '../user-error';

/** A container image reference: `name:tag`, `name@sha256:...` or `name:tag@sha256:...`. */
export interface ImageRef {
  /** Repository with optional registry host and port, e.g. `acr.azurecr.io/sample-app`. */
  name: string;
  tag?: string;
  digest?: string;
}

// The distribution reference grammar, reduced to what a promotion needs.
const NAME =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

export function parseImageRef(text: string, what = 'image'): ImageRef {
  const value = text.trim();
  const at = value.indexOf('@');
  const digest = at >= 0 ? value.slice(at + 1) : undefined;
  const rest = at >= 0 ? value.slice(0, at) : value;
  const colon = rest.lastIndexOf(':');
  const hasTag = colon > rest.lastIndexOf('/');
  const name = hasTag ? rest.slice(0, colon) : rest;
  const tag = hasTag ? rest.slice(colon + 1) : undefined;
  const problem = !NAME.test(name)
    ? `the name '${name}' is not a valid repository name`
    : tag !== undefined && !TAG.test(tag)
      ? `the tag '${tag}' must be 1-128 letters, digits, '_', '.' or '-', not starting with '.' or '-'`
      : digest !== undefined && !DIGEST.test(digest)
        ? `the digest '${digest}' must be sha256: followed by 64 lowercase hex digits`
        : tag === undefined && digest === undefined
          ? 'it has neither a tag nor a digest'
          : undefined;
  if (problem) throw new UserError(`${what} '${value}' is not an image reference (name:tag, name@sha256:<digest> or name:tag@sha256:<digest>): ${problem}.`);
  return { name, tag, digest };
}

export function formatImageRef(image: ImageRef): string {
  return `${image.name}${image.tag ? `:${image.tag}` : ''}${image.digest ? `@${image.digest}` : ''}`;
}

/** The last path segment of the repository: what kustomize `images[].name` and app names usually match. */
export function imageBaseName(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1);
}
