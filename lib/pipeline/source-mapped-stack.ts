import * as fs from 'node:fs';
import { SourceMap } from 'node:module';

/** A map larger than this is not read (a shipped one is a few MB). */
const MAX_MAP_BYTES = 32 * 1024 * 1024;
const FRAME = /^(\s*at (?:.*? \()?)(.+?\.js):(\d+):(\d+)(\)?)$/;

/**
 * Rewrites the frames of a stack trace that point into a bundle with a `<file>.map` beside it
 * (build/build.js writes one for every shipped bundle and for each task's lazy library) to the
 * TypeScript source: `lib/gitops/promote.ts:42:7`. Maps are read only here, on the failure path,
 * so a task that succeeds never pays for them. Frames without a map, or a map that cannot be
 * read, are left as they are.
 */
export function sourceMappedStack(stack: string): string {
  const maps = new Map<string, SourceMap | undefined>();
  return stack
    .split('\n')
    .map((line) => {
      const frame = FRAME.exec(line);
      if (!frame) return line;
      const [, head, file, lineNo, column, tail] = frame;
      if (!maps.has(file)) maps.set(file, readMap(`${file}.map`));
      const entry = maps.get(file)?.findEntry(Number(lineNo) - 1, Number(column) - 1);
      if (!entry || !('originalSource' in entry) || !entry.originalSource) return line;
      return `${head}${entry.originalSource}:${entry.originalLine + 1}:${entry.originalColumn + 1}${tail}`;
    })
    .join('\n');
}

function readMap(file: string): SourceMap | undefined {
  try {
    if (fs.statSync(file).size > MAX_MAP_BYTES) return undefined;
    return new SourceMap(JSON.parse(fs.readFileSync(file, 'utf8')));
  } catch {
    return undefined;
  }
}
