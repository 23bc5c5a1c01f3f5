import { startControlPlane, type ControlPlane } from './control-plane';
import { requireFullTier } from '../harness/test-tier';

let shared: Promise<ControlPlane> | undefined;

/**
 * One control plane for every integration test of a run that does not need its
 * own: started on first use, stopped by test/run.js after the last test.
 * Tests isolate themselves in their own namespaces.
 */
export function sharedControlPlane(): Promise<ControlPlane> {
  requireFullTier('The control plane');
  shared ??= startControlPlane();
  return shared;
}

export async function stopSharedControlPlane(): Promise<void> {
  if (!shared) return;
  const cluster = await shared.catch(() => undefined);
  shared = undefined;
  await cluster?.stop();
}
