/**
 * `npm run test:unit` sets GITOPS_TEST_TIER=unit and runs only files that need nothing started.
 * The helpers that start something call this first, so a test in the wrong file fails with
 * a message saying where it belongs instead of hanging or failing on a missing CA.
 */
export function requireFullTier(what: string): void {
  if (process.env.GITOPS_TEST_TIER !== 'unit') return;
  throw new Error(
    `${what} is not available in the unit tier (npm run test:unit): move this test to a *.integration.test.ts file (or tasks/*/tests, test/) and run it with npm test.`,
  );
}
