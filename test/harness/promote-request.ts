import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { PromoteRequest } from '../../lib/gitops/promote';

/**
 * A promotion of sample-app from dev to staging in `repoUrl`, with PromoteEnv's defaults and a
 * working copy of its own; `overrides` change what a test is about.
 */
export function promoteRequest(repoUrl: string, overrides: Partial<PromoteRequest> = {}): PromoteRequest {
  return {
    repoUrl,
    branch: 'main',
    auth: {},
    apps: ['sample-app'],
    sourceEnvironment: 'dev',
    targetEnvironment: 'staging',
    layout: 'auto',
    pathPattern: 'apps/{app}/overlays/{env}',
    helmImageKey: 'image.tag',
    author: { name: 'GitOps Stack', email: 'gitops@example.com' },
    messageTemplate: 'Promote {apps} to {target}: {image}',
    trailers: {},
    dryRun: false,
    pushRetries: 3,
    ...overrides,
    workDir: overrides.workDir ?? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'promote-wc-')), 'repo'),
  };
}
