import * as fs from 'node:fs';
import { UserError } from './user-error';

export const MiB = 1024 * 1024;

const REASONS: Record<string, string> = { ENOENT: 'no such file', EACCES: 'permission denied', EISDIR: 'a folder', ENOTDIR: 'no such folder' };

/**
 * Reads a UTF-8 file of at most `limit` bytes. A device (`/dev/zero`), a FIFO or a folder is
 * refused before a byte is read, and a larger file after `limit + 1` bytes, so no input can make
 * a task read without end. `what` names the file in the error: "Input 'kubeconfig'", "Stack file".
 */
export function readTextFile(file: string, limit: number, what: string): string {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    throw new UserError(`${what}: '${file}' cannot be read (${REASONS[code] ?? code}).`);
  }
  try {
    if (!fs.fstatSync(fd).isFile()) throw new UserError(`${what}: '${file}' is not a regular file.`);
    // Read until end of file or one byte past the limit, whatever fstat said (the file may grow).
    const chunks: Buffer[] = [];
    let length = 0;
    for (;;) {
      const chunk = Buffer.alloc(Math.min(64 * 1024, limit + 1 - length));
      const read = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) break;
      chunks.push(chunk.subarray(0, read));
      length += read;
      if (length > limit) throw new UserError(`${what}: '${file}' is larger than ${formatBytes(limit)}, the limit for this file.`);
    }
    return Buffer.concat(chunks, length).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

function formatBytes(bytes: number): string {
  return bytes >= MiB ? `${bytes / MiB} MiB` : `${bytes / 1024} KiB`;
}
