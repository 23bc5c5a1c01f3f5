import { randomBytes } from 'node:crypto';

let counter = 0;

/** A Kubernetes-name-safe name no other test of this or any other run has: each test owns its namespace. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid.toString(36)}${(++counter).toString(36)}-${randomBytes(3).toString('hex')}`;
}
