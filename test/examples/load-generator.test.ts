import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { runLoad } from '../../examples/load-generator/src/load-generator';
import { REPO_ROOT } from '../harness/run-l0';
import { type SampleApp, startSampleApp } from './sample-app-process';

describe('load generator against the sample app', function () {
  this.timeout(60000);
  let app: SampleApp;
  // Each test has its own app and database: the data it reads are its own.
  beforeEach(async () => {
    app = await startSampleApp();
  });
  afterEach(() => app?.stop());

  it('keeps the traffic mix within 4 points of the configured shares, and the failures fail', async () => {
    const summary = await runLoad({
      target: app.url,
      rate: 1000,
      durationSeconds: 30,
      maxRequests: 1500,
      mix: { normal: 70, spike: 20, failure: 10 },
      burstSize: 10,
      seed: 7,
    });
    assert.equal(summary.requests, 1500);
    const share = (n: number) => (100 * n) / summary.requests;
    assert.ok(Math.abs(share(summary.byKind.normal) - 70) <= 4, JSON.stringify(summary.byKind));
    assert.ok(Math.abs(share(summary.byKind.spike) - 20) <= 4, JSON.stringify(summary.byKind));
    assert.ok(Math.abs(share(summary.byKind.failure) - 10) <= 4, JSON.stringify(summary.byKind));
    const failed = Object.entries(summary.statusCodes)
      .filter(([code]) => Number(code) >= 400)
      .reduce((n, [, count]) => n + count, 0);
    assert.ok(failed >= summary.byKind.failure, `every failure request fails (${failed} >= ${summary.byKind.failure})`);
    assert.ok((summary.statusCodes[500] ?? 0) > 0 && (summary.statusCodes[400] ?? 0) > 0 && (summary.statusCodes[404] ?? 0) > 0);
    assert.equal(summary.transportErrors, 0);
    assert.ok(
      summary.latencyMs.p50 <= summary.latencyMs.p95 && summary.latencyMs.p95 <= summary.latencyMs.p99 && summary.latencyMs.p99 <= summary.latencyMs.max,
    );
  });

  it('stops by itself when its time is up, however many requests it may still send', async () => {
    const started = Date.now();
    const summary = await runLoad({
      target: app.url,
      rate: 20,
      durationSeconds: 1,
      maxRequests: 1_000_000,
      mix: { normal: 1, spike: 0, failure: 0 },
      burstSize: 10,
      seed: 1,
    });
    const took = (Date.now() - started) / 1000;
    assert.ok(took < 5, `took ${took} s`);
    assert.ok(summary.requests >= 15 && summary.requests <= 25, `paced at 20/s: ${summary.requests}`);
  });

  it('runs from the command line with flags and environment, printing a JSON summary; bad flags are refused', () => {
    const cli = path.join(REPO_ROOT, 'out', 'examples', 'load-generator', 'src', 'main.js');
    const run = spawnSync(process.execPath, [cli, '--rate', '200', '--max-requests', '200', '--mix', '50,0,50', '--json'], {
      env: { ...process.env, LOAD_TARGET: app.url, LOAD_DURATION: '20' },
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, run.stderr);
    const summary = JSON.parse(run.stdout);
    assert.equal(summary.requests, 200);
    assert.equal(summary.byKind.spike, 0);
    assert.ok(Math.abs(summary.byKind.failure - 100) <= 25);
    const bad = spawnSync(process.execPath, [cli, '--mix', '70,30'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--mix must be three shares such as 70,20,10, not '70,30'/);
  });
});
