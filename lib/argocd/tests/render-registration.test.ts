import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import Ajv from 'ajv';
import { parse, stringify } from 'yaml';
import { argoCdCrdFiles } from '../../../test/cluster/reference-data';
import { parseEnvironments } from '../environments';
import { renderRegistration } from '../render-registration';

export const ENVIRONMENTS = [
  { name: 'dev', path: 'apps/{app}/overlays/{env}', namespace: 'sample-app-dev', sync: 'automated', slack: '#dev-deployments', email: 'dev-team@example.com' },
  {
    name: 'prod',
    path: 'apps/{app}/overlays/{env}',
    namespace: 'sample-app-prod',
    sync: 'manual',
    slack: '#prod-deployments',
    email: 'release@example.com,oncall@example.com',
  },
];

describe("rendered Argo CD objects against the CRDs' schemas, offline", () => {
  it('every Application and AppProject validates against the openAPIV3Schema of Argo CD 3.6', () => {
    const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
    const schemas = Object.fromEntries(
      argoCdCrdFiles()
        .map((f) => parse(fs.readFileSync(f, 'utf8')))
        .filter((crd) => ['Application', 'AppProject'].includes(crd.spec.names.kind))
        .map((crd) => [crd.spec.names.kind, ajv.compile(crd.spec.versions.find((v: { storage: boolean }) => v.storage).schema.openAPIV3Schema)]),
    );
    const rendered = renderRegistration({
      namespace: 'argocd',
      project: 'sample-app',
      app: 'sample-app',
      repoUrl: 'https://dev.azure.com/contoso/gitops/_git/config-repo',
      branch: 'main',
      credentials: { username: 'git', password: 'x' },
      environments: parseEnvironments(stringify(ENVIRONMENTS), 'sample-app'),
      triggers: ['on-deployed'],
      slack: { token: 't' },
      smtp: { host: 'smtp', port: 587, from: 'a@example.com' },
    });
    const argo = rendered.filter((o) => o.apiVersion === 'argoproj.io/v1alpha1');
    assert.deepEqual(
      argo.map((o) => o.kind),
      ['AppProject', 'Application', 'Application'],
    );
    for (const object of argo)
      assert.ok(schemas[object.kind!](object), `${object.kind} ${object.metadata?.name}: ${JSON.stringify(schemas[object.kind!].errors)}`);
    const broken = { ...argo[1], spec: { ...(argo[1] as { spec: object }).spec, syncPolicy: { retry: { limit: 'five' } } } };
    assert.equal(schemas.Application(broken), false, 'the schema check can fail');
  });
});

describe('argocd-notifications-cm is serialized, not concatenated', () => {
  it('an SMTP host or sender with a line break, a colon or a quote stays one value of its key', () => {
    // The task's rules refuse these values; the renderer must be safe without them.
    const hostile = 'smtp.example.com\ninsecure_skip_verify: true';
    const from = "ops: 'x' # <a@example.com>";
    const cm = renderRegistration({
      namespace: 'argocd',
      project: 'p',
      app: 'a',
      repoUrl: 'https://example.com/r.git',
      branch: 'main',
      credentials: {},
      environments: parseEnvironments('- name: dev', 'a'),
      triggers: ['on-deployed', 'on-sync-failed', 'on-health-degraded'],
      smtp: { host: hostile, port: 25, username: 'u', from },
    }).find((o) => o.kind === 'ConfigMap') as { data: Record<string, string> };
    assert.deepEqual(parse(cm.data['service.email']), { host: hostile, port: 25, from, username: '$email-username' });
    for (const trigger of ['on-deployed', 'on-sync-failed', 'on-health-degraded']) {
      const [rule] = parse(cm.data[`trigger.${trigger}`]);
      assert.equal(typeof rule.when, 'string', trigger);
    }
    const template = parse(cm.data['template.app-deployed']);
    // Encoded by the template itself (its output is checked through the real engine in notifications-engine.integration.test.ts).
    assert.match(template.slack.attachments, /^\{\{ toJson \(list \(dict /);
  });
});
