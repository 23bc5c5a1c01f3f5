import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { argoCdCrdFiles, referenceDataDir } from '../../../test/cluster/reference-data';
import type { Application } from '../application';
import { judgeApplication, type Verdict } from '../wait-for-sync';

/**
 * waitForSync's decisions held against real Application objects from Argo CD's own repository
 * (../shared/data/argocd-fixtures) and, for the states no real fixture shows (Failed, Error,
 * Terminating, Missing, Suspended, ComparisonError, SyncError), objects written from the real
 * diff-cache.yaml that must pass the Application CRD's schema.
 */
const FIXTURES = 'argocd-fixtures/argoproj+argo-cd';
const METRICS = `${FIXTURES}/extracted-from-go/controller/metrics/metrics_test`;

function fixture(file: string): Application {
  const data = referenceDataDir();
  if (!data) throw new Error('the Argo CD fixtures are read from ../shared/data (or GITOPS_REFERENCE_DATA): neither was found');
  return parse(fs.readFileSync(path.join(data, file), 'utf8')) as Application;
}

const REV = 'ea8759964626a583667a2bfd08f334ec2070040a';
/** diff-cache.yaml (Synced, Healthy, operation Succeeded at REV) with its status changed as `change` says. */
function variant(change: (status: Record<string, any>) => void): Application {
  const app = fixture(`${FIXTURES}/controller/testdata/diff-cache.yaml`);
  const status = JSON.parse(JSON.stringify(app.status)) as Record<string, any>;
  status.sync.revision = REV;
  change(status);
  return { ...app, status } as Application;
}

const cases: { name: string; app: () => Application; revision?: string; verdict: Verdict['state']; why?: RegExp }[] = [
  // Real objects, as Argo CD wrote them.
  {
    name: 'diff-cache.yaml: Synced at rev1, but the last operation synced another commit',
    app: () => fixture(`${FIXTURES}/controller/testdata/diff-cache.yaml`),
    revision: 'rev1',
    verdict: 'wait',
  },
  {
    name: 'diff-cache.yaml: the operation synced the wanted commit, but Argo CD compares a newer one',
    app: () => fixture(`${FIXTURES}/controller/testdata/diff-cache.yaml`),
    revision: REV,
    verdict: 'wait',
  },
  { name: 'fakeAppOperationRunning.yaml: a sync is Running', app: () => fixture(`${METRICS}/fakeAppOperationRunning.yaml`), revision: REV, verdict: 'wait' },
  {
    name: 'fakeApp4.yaml: OutOfSync and Degraded at an older revision (warnings only)',
    app: () => fixture(`${METRICS}/fakeApp4.yaml`),
    revision: REV,
    verdict: 'wait',
  },
  { name: 'fakeApp3.yaml: being deleted', app: () => fixture(`${METRICS}/fakeApp3.yaml`), revision: REV, verdict: 'failed', why: /being deleted/ },
  // Written from diff-cache.yaml, each checked against the CRD below.
  { name: 'Synced, Succeeded and Healthy at the wanted commit', app: () => variant(() => {}), revision: REV, verdict: 'healthy' },
  {
    name: 'operation Failed at the wanted commit',
    app: () => variant((s) => Object.assign(s.operationState, { phase: 'Failed', message: 'one or more objects failed to apply' })),
    revision: REV,
    verdict: 'failed',
    why: /ended Failed/,
  },
  {
    name: 'operation Error at the wanted commit',
    app: () => variant((s) => Object.assign(s.operationState, { phase: 'Error', message: 'rpc error' })),
    revision: REV,
    verdict: 'failed',
    why: /ended Error/,
  },
  {
    name: 'operation Failed at an older commit',
    app: () => variant((s) => Object.assign(s.operationState, { phase: 'Failed' })),
    revision: 'f'.repeat(40),
    verdict: 'wait',
  },
  {
    name: 'operation Terminating (on its way to Failed)',
    app: () => variant((s) => Object.assign(s.operationState, { phase: 'Terminating' })),
    revision: REV,
    verdict: 'wait',
  },
  {
    name: 'Succeeded, but health Progressing after the sync',
    app: () => variant((s) => (s.health = { status: 'Progressing' })),
    revision: REV,
    verdict: 'wait',
  },
  { name: 'Succeeded, resources still Missing', app: () => variant((s) => (s.health = { status: 'Missing' })), revision: REV, verdict: 'wait' },
  { name: 'Succeeded and Suspended (a paused rollout)', app: () => variant((s) => (s.health = { status: 'Suspended' })), revision: REV, verdict: 'wait' },
  {
    name: 'Succeeded and Degraded',
    app: () => variant((s) => (s.health = { status: 'Degraded', message: 'exceeded its progress deadline' })),
    revision: REV,
    verdict: 'failed',
    why: /Degraded/,
  },
  {
    name: 'ComparisonError with sync Unknown',
    app: () =>
      variant(
        (s) => (
          (s.sync.status = 'Unknown'),
          (s.conditions = [{ type: 'ComparisonError', message: 'rpc error: repository not accessible', lastTransitionTime: '2026-01-01T00:00:00Z' }])
        ),
      ),
    revision: REV,
    verdict: 'failed',
    why: /ComparisonError: rpc error: repository not accessible/,
  },
  {
    name: 'SyncError condition',
    app: () =>
      variant(
        (s) =>
          (s.conditions = [
            { type: 'SyncError', message: 'Failed sync attempt: one or more synchronization tasks are not valid', lastTransitionTime: '2026-01-01T00:00:00Z' },
          ]),
      ),
    revision: REV,
    verdict: 'failed',
    why: /SyncError: Failed sync attempt/,
  },
];

describe("waitForSync's decisions on real Argo CD Application states", () => {
  const crd = argoCdCrdFiles()
    .map((f) => parse(fs.readFileSync(f, 'utf8')))
    .find((c) => c.spec.names.kind === 'Application');
  const validate = new Ajv({ strict: false, validateFormats: false, allErrors: true }).compile(
    crd.spec.versions.find((v: { storage: boolean }) => v.storage).schema.openAPIV3Schema,
  );

  for (const c of cases) {
    it(`${c.name} → ${c.verdict}`, () => {
      const app = c.app();
      // Argo CD's own Go-test objects are taken as they are (some omit required fields); ours must pass the CRD.
      if (!c.name.includes('.yaml')) assert.ok(validate(app), `a valid Application: ${JSON.stringify(validate.errors)}`);
      const verdict = judgeApplication(app, c.revision);
      assert.equal(verdict.state, c.verdict);
      if (c.why) assert.match((verdict as { why: string }).why, c.why);
    });
  }
});
