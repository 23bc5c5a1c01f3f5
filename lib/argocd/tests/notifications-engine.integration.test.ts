import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { parse, stringify } from 'yaml';
import { argoCdCrdFiles } from '../../../test/cluster/reference-data';
import { startFakeServer, type FakeServer } from '../../../test/harness/fake-server';
import { startSmtpSink, type SmtpSink } from '../../../test/fakes/smtp-sink';
import { type Delivery, runNotificationEngine } from '../../../test/notifications/engine';
import { parseEnvironments } from '../environments';
import { renderRegistration } from '../render-registration';

type Any = any;
const FAKES = path.join(__dirname, '..', '..', '..', 'test', 'fakes');
const NAMESPACE = 'argocd';
const ARGOCD_URL = 'https://argocd.example.com';
const SLACK_TOKEN = 'xoxb-notifications-test-token';
const SMTP = { username: 'mailer@example.com', password: 'smtp-test-password' };
const A = '4f2c1e9b7d3a5c6e8f0a1b2c3d4e5f6a7b8c9d0e';
const B = '9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d';

/** A time on the test day: minute `m`, as Argo CD writes times (RFC 3339, seconds). */
const at = (m: number) => new Date(Date.UTC(2026, 11, 1, 10, 0, 0) + m * 60_000).toISOString().replace('.000Z', 'Z');

interface State {
  sync?: 'Synced' | 'OutOfSync' | 'Unknown';
  /** status.sync.revision; null leaves it out (an app Argo CD has not compared yet). */
  revision?: string | null;
  health: 'Healthy' | 'Progressing' | 'Degraded' | 'Missing';
  healthSince: number;
  healthMessage?: string;
  operation?: { phase: 'Running' | 'Succeeded' | 'Failed' | 'Error'; revision: string; started: number; finished?: number; message?: string };
  /** When the controller last compared the app (Argo CD's notifications skip an app not compared since its operation ended). */
  reconciled: number;
}

/** An Application as Argo CD 3.6 keeps it (fields from application-crd.yaml), in one state. */
function application(base: Any, s: State): object {
  const op = s.operation;
  return {
    ...base,
    metadata: { ...base.metadata, namespace: NAMESPACE },
    status: {
      sync: { status: s.sync ?? 'Synced', ...(s.revision === null ? {} : { revision: s.revision ?? op?.revision ?? A }) },
      health: { status: s.health, lastTransitionTime: at(s.healthSince), ...(s.healthMessage ? { message: s.healthMessage } : {}) },
      ...(op
        ? {
            operationState: {
              operation: { sync: { revision: op.revision } },
              phase: op.phase,
              message:
                op.message ??
                (op.phase === 'Succeeded'
                  ? 'successfully synced (all tasks run)'
                  : op.phase === 'Running'
                    ? 'waiting for completion of hook batch/Job/db-migrate'
                    : ''),
              startedAt: at(op.started),
              ...(op.finished !== undefined ? { finishedAt: at(op.finished) } : {}),
              ...(op.phase === 'Succeeded' ? { syncResult: { revision: op.revision, source: base.spec.source } } : {}),
            },
          }
        : {}),
      reconciledAt: at(s.reconciled),
    },
  };
}

describe("notifications through Argo CD's own notification engine", function () {
  this.timeout(180_000);
  let smtp: SmtpSink;
  let slack: FakeServer;
  let configMap: Record<string, string>;
  let secret: Record<string, string>;
  let apps: Record<string, Any>;

  // Each test has its own SMTP sink and Slack API: what they received is this test's alone.
  beforeEach(async () => {
    smtp = await startSmtpSink(SMTP);
    slack = await startFakeServer(path.join(FAKES, 'slack-api.js'), { token: SLACK_TOKEN, channels: ['dev-deployments', 'prod-deployments'] });
    const environments = parseEnvironments(
      stringify([
        { name: 'dev', sync: 'automated', slack: '#dev-deployments', email: 'dev-team@example.com' },
        { name: 'prod', sync: 'manual', slack: '#prod-deployments', email: 'release@example.com,oncall@example.com' },
      ]),
      'sample-app',
    );
    const objects = renderRegistration({
      namespace: NAMESPACE,
      project: 'sample-app',
      app: 'sample-app',
      repoUrl: 'https://dev.azure.com/contoso/gitops/_git/config-repo',
      branch: 'main',
      credentials: {},
      environments,
      triggers: ['on-deployed', 'on-sync-failed', 'on-health-degraded'],
      slack: { token: SLACK_TOKEN },
      smtp: { host: smtp.host, port: smtp.port, username: SMTP.username, password: SMTP.password, from: 'argocd@example.com' },
      argocdUrl: ARGOCD_URL,
    }) as Any[];
    const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'argocd-notifications-cm');
    // The one change for the test: Slack's API is the local stand-in.
    configMap = { ...cm.data, 'service.slack': stringify({ ...parse(cm.data['service.slack']), apiURL: `${slack.url}/api/` }) };
    const s = objects.find((o) => o.kind === 'Secret' && o.metadata.name === 'argocd-notifications-secret');
    secret = Object.fromEntries(Object.entries(s.data as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
    apps = Object.fromEntries(objects.filter((o) => o.kind === 'Application').map((o) => [o.metadata.name.replace('sample-app-', ''), o]));
  });
  afterEach(async () => {
    await smtp?.stop();
    await slack?.stop();
  });

  // Every state a test writes is an Application as Argo CD 3.6's CRD defines it: the field names and
  // types of its structural schema, unknown fields refused (the API server would prune them).
  const applicationSchema = new Ajv({ strict: false, validateFormats: false, allErrors: true }).compile(
    closed(
      argoCdCrdFiles()
        .map((f) => parse(fs.readFileSync(f, 'utf8')))
        .find((crd) => crd.spec.names.kind === 'Application')
        .spec.versions.find((v: { storage: boolean }) => v.storage).schema.openAPIV3Schema,
    ),
  );
  const run = (steps: object[]) => {
    for (const step of steps) assert.ok(applicationSchema(step), JSON.stringify(applicationSchema.errors));
    return runNotificationEngine({ namespace: NAMESPACE, configMap, secret, steps });
  };
  const sent = (deliveries: Delivery[]) => {
    const errors = deliveries.filter((d) => d.error);
    assert.deepEqual(errors, [], 'the engine reports no error');
    return deliveries
      .filter((d) => !d.alreadyNotified)
      .map((d) => `${d.step} ${d.app} ${d.trigger} ${d.service}:${d.recipient}`)
      .sort();
  };
  const slackPosts = async () =>
    (await slack.requests()).map((r) => {
      const form = Object.fromEntries(new URLSearchParams(r.body)) as Record<string, string>;
      return { channel: form.channel, text: form.text, attachments: JSON.parse(form.attachments ?? '[]') };
    });

  it('deployed: one message per synced revision to each of the environment’s destinations, linking to the app', async () => {
    const dev = apps.dev;
    const deliveries = await run([
      application(dev, { health: 'Progressing', healthSince: 1, operation: { phase: 'Running', revision: A, started: 1 }, reconciled: 1 }),
      application(dev, { health: 'Healthy', healthSince: 2, operation: { phase: 'Succeeded', revision: A, started: 1, finished: 2 }, reconciled: 3 }),
      // Later refreshes of the same state send nothing new.
      application(dev, { health: 'Healthy', healthSince: 2, operation: { phase: 'Succeeded', revision: A, started: 1, finished: 2 }, reconciled: 6 }),
    ]);
    assert.deepEqual(sent(deliveries), ['1 sample-app-dev on-deployed email:dev-team@example.com', '1 sample-app-dev on-deployed slack:dev-deployments']);
    assert.equal(smtp.messages.length, 1);
    const [mail] = smtp.messages;
    assert.deepEqual(mail.to, ['dev-team@example.com']);
    assert.equal(mail.user, SMTP.username, 'signed in with the Secret’s credentials');
    assert.equal(mail.headers.subject, 'sample-app-dev deployed');
    assert.match(mail.body, new RegExp(`sample-app-dev is deployed: revision ${A.slice(0, 12)} is synced and Healthy\\.`));
    assert.ok(mail.body.includes(`${ARGOCD_URL}/applications/${NAMESPACE}/sample-app-dev`), mail.body);
    const [post] = await slackPosts();
    assert.equal(post.channel, 'dev-deployments');
    assert.equal(post.attachments[0].title_link, `${ARGOCD_URL}/applications/${NAMESPACE}/sample-app-dev`);
    assert.deepEqual(
      post.attachments[0].fields.map((f: Any) => [f.title, f.value]),
      [
        ['Sync status', 'Synced'],
        ['Health', 'Healthy'],
        ['Revision', A.slice(0, 12)],
      ],
    );
  });

  it('a commit waiting for a manual prod sync is not "deployed"; the sync that deploys it is, once', async () => {
    const prod = apps.prod;
    const deployedA = {
      health: 'Healthy' as const,
      healthSince: 2,
      operation: { phase: 'Succeeded' as const, revision: A, started: 1, finished: 2 },
      reconciled: 3,
    };
    const deliveries = await run([
      application(prod, deployedA),
      // B lands in the shared config repo (for dev, or for prod's next manual sync): prod is OutOfSync at B.
      application(prod, { ...deployedA, sync: 'OutOfSync', revision: B, reconciled: 10 }),
      application(prod, { ...deployedA, sync: 'OutOfSync', revision: B, reconciled: 20 }),
      // Someone syncs prod to B.
      application(prod, { health: 'Progressing', healthSince: 30, revision: B, operation: { phase: 'Running', revision: B, started: 30 }, reconciled: 30 }),
      application(prod, {
        health: 'Healthy',
        healthSince: 31,
        revision: B,
        operation: { phase: 'Succeeded', revision: B, started: 30, finished: 31 },
        reconciled: 32,
      }),
    ]);
    const messages = sent(deliveries).filter((d) => d.includes('on-deployed'));
    // Each address of the subscription (`a;b`) is its own destination: one e-mail each.
    assert.deepEqual(messages, [
      '0 sample-app-prod on-deployed email:oncall@example.com',
      '0 sample-app-prod on-deployed email:release@example.com',
      '0 sample-app-prod on-deployed slack:prod-deployments',
      '4 sample-app-prod on-deployed email:oncall@example.com',
      '4 sample-app-prod on-deployed email:release@example.com',
      '4 sample-app-prod on-deployed slack:prod-deployments',
    ]);
    assert.deepEqual(smtp.messages.map((m) => [m.to.join(','), /revision ([0-9a-f]{12})/.exec(m.body)?.[1]]).sort(), [
      ['oncall@example.com', A.slice(0, 12)],
      ['oncall@example.com', B.slice(0, 12)],
      ['release@example.com', A.slice(0, 12)],
      ['release@example.com', B.slice(0, 12)],
    ]);
  });

  it('sync failed: once per operation with its reason, also when two failures follow each other without a Running phase seen', async () => {
    const prod = apps.prod;
    const reason =
      'one or more objects failed to apply, reason: Deployment.apps "sample-app" is invalid: spec.template.spec.containers[0].image: Required value';
    const failed = (started: number, phase: 'Failed' | 'Error' = 'Failed') => ({
      health: 'Healthy' as const,
      healthSince: 0,
      sync: 'OutOfSync' as const,
      revision: B,
      operation: {
        phase,
        revision: B,
        started,
        finished: started + 1,
        message: phase === 'Error' ? 'ComparisonError: rpc error: repository not accessible' : reason,
      },
      reconciled: started + 2,
    });
    const deliveries = await run([
      application(prod, failed(10)),
      application(prod, { ...failed(10), reconciled: 15 }),
      application(prod, failed(20)),
      application(prod, failed(30, 'Error')),
    ]);
    assert.deepEqual(
      sent(deliveries).filter((d) => d.includes('slack')),
      [
        '0 sample-app-prod on-sync-failed slack:prod-deployments',
        '2 sample-app-prod on-sync-failed slack:prod-deployments',
        '3 sample-app-prod on-sync-failed slack:prod-deployments',
      ],
    );
    const mails = smtp.messages.filter((m) => m.headers.subject === 'sample-app-prod failed to sync' && m.to[0] === 'release@example.com');
    assert.equal(mails.length, 3);
    assert.equal(smtp.messages.length, 6, 'three failures, two addresses');
    assert.ok(mails[0].body.includes(`the operation ended Failed at ${at(11)}: one or more objects failed to apply`), mails[0].body);
    assert.match(mails[2].body, /ended Error at .*ComparisonError: rpc error: repository not accessible/);
    const [post] = await slackPosts();
    assert.equal(post.attachments[0].fields.find((f: Any) => f.title === 'Reason').value, reason, 'quotes and colons survive: the attachment is JSON-encoded');
  });

  it('degraded: once per revision, not again when a flapping app goes Progressing and back; failed then degraded sends both', async () => {
    const prod = apps.prod;
    const deliveries = await run([
      application(prod, { health: 'Degraded', healthSince: 5, healthMessage: 'Deployment "sample-app" exceeded its progress deadline', reconciled: 6 }),
      application(prod, { health: 'Progressing', healthSince: 7, reconciled: 7 }),
      application(prod, { health: 'Degraded', healthSince: 8, healthMessage: 'Deployment "sample-app" exceeded its progress deadline', reconciled: 8 }),
      application(prod, { health: 'Progressing', healthSince: 9, reconciled: 9 }),
      application(prod, { health: 'Degraded', healthSince: 10, reconciled: 10 }),
      // A new revision that fails to sync and leaves the app Degraded: both are news.
      application(prod, {
        health: 'Degraded',
        healthSince: 21,
        revision: B,
        operation: { phase: 'Failed', revision: B, started: 20, finished: 21, message: 'PostSync hook batch/Job/smoke-test failed' },
        reconciled: 22,
      }),
    ]);
    assert.deepEqual(
      sent(deliveries).filter((d) => d.includes('slack')),
      [
        '0 sample-app-prod on-health-degraded slack:prod-deployments',
        '5 sample-app-prod on-health-degraded slack:prod-deployments',
        '5 sample-app-prod on-sync-failed slack:prod-deployments',
      ],
    );
  });

  it('a long PostSync hook (operation Running, app Progressing) sends nothing until it ends; then deployed once', async () => {
    const dev = apps.dev;
    const running = (m: number) =>
      application(dev, { health: 'Progressing', healthSince: 1, revision: B, operation: { phase: 'Running', revision: B, started: 1 }, reconciled: m });
    const deliveries = await run([
      running(1),
      running(5),
      running(15),
      running(25),
      application(dev, {
        health: 'Healthy',
        healthSince: 26,
        revision: B,
        operation: { phase: 'Succeeded', revision: B, started: 1, finished: 26 },
        reconciled: 27,
      }),
    ]);
    assert.deepEqual(sent(deliveries), ['4 sample-app-dev on-deployed email:dev-team@example.com', '4 sample-app-dev on-deployed slack:dev-deployments']);
  });

  it('a state without a revision reads "unknown", never "<no value>", in every message', async () => {
    const deliveries = await run([application(apps.prod, { health: 'Degraded', healthSince: 1, revision: null, sync: 'Unknown', reconciled: 1 })]);
    assert.equal(sent(deliveries).length, 3, 'Slack and one e-mail to each address');
    const texts = [...smtp.messages.map((m) => `${m.headers.subject}\n${m.body}`), ...(await slackPosts()).map((p) => JSON.stringify(p))];
    for (const text of texts) assert.ok(!text.includes('<no value>') && !text.includes('%!'), text);
    assert.match(smtp.messages[0].body, /sample-app-prod is Degraded at revision unknown: no message/);
  });
});

/** A structural schema with every object that lists its properties closed to others (what the API server prunes). */
function closed(schema: Any): Any {
  if (Array.isArray(schema)) return schema.map(closed);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Any = Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, closed(v)]));
  if (out.properties && out.additionalProperties === undefined && !out['x-kubernetes-preserve-unknown-fields']) out.additionalProperties = false;
  return out;
}
