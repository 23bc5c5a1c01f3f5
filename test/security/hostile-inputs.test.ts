import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { argocdRegister, type ArgoCdRegisterInputs, registration } from '../../lib/argocd/argocd-register';
import { renderRegistration } from '../../lib/argocd/render-registration';
import { desiredStack, type ProvisionAksInputs } from '../../lib/azure/desired-stack';
import { provisionAks } from '../../lib/azure/provision-aks';
import { promoteEnv } from '../../lib/gitops/promote-env';
import { deployObservability } from '../../lib/observability/deploy-observability';
import { compileInputValidator } from '../../lib/pipeline/input-validator';
import { type InputValues, readInputs } from '../../lib/pipeline/read-inputs';
import { runTask } from '../../lib/pipeline/run-task';
import type { TaskHost } from '../../lib/pipeline/task-host';
import { TASK_DEFINITIONS } from '../../lib/stack/task-definitions';
import { exportPipelineTrace } from '../../lib/telemetry/export-run';
import { exportTarget } from '../../lib/telemetry/task-trace';
import { createConfigRepo, type ConfigRepoFixture } from '../harness/config-repo-fixture';
import { TestHost } from '../harness/test-host';

/**
 * Our own hostile-input suite: every input of every task × the payloads below, through the task's
 * own body as its index.ts runs it. Each case ends in one of two ways:
 * - refused: the task fails with a message naming the input, with no stack trace, having made no
 *   network connection and started no process (nothing can have been sent or applied);
 * - accepted: the value reaches the task's outputs safely encoded: every YAML and JSON the task
 *   renders still parses, and no injected key (CANARY) appears in any of them.
 */

/** A key that exists in no config we write: found in a parsed output, it was injected. */
const CANARY = 'injectedcanary';

const PAYLOADS: string[] = [
  ' ',
  'a'.repeat(100_000),
  'ü-ñ-日本',
  '😀',
  'line1\nline2',
  'a\rb',
  'tab\there',
  'nul\u0000byte',
  `x\n${CANARY}: true`,
  `x\r\n${CANARY}: true`,
  `"\n${CANARY} = true\n"`,
  `x", "${CANARY}": "y`,
  `'}; ${CANARY}: {'`,
  `{"${CANARY}": 1}`,
  `[${CANARY}]`,
  `- ${CANARY}`,
  `#${CANARY}`,
  `&a ${CANARY}`,
  `*a`,
  `!!js/function ${CANARY}`,
  "'; touch /tmp/injectedcanary #",
  '$(whoami)',
  '`id`',
  '${{ parameters.x }}',
  '{{ .app.metadata.name }}{{ template "x" }}',
  '{job="x"} |= "y" or vector(1)',
  'sum(rate(x[5m])) or on() vector(1)',
  'https://user:pass@evil.example/x',
  'https://token@evil.example/x',
  'http://:pw@evil.example',
  'javascript:alert(1)',
  'ext::sh -c touch% /tmp/injectedcanary',
  '--upload-pack=touch /tmp/injectedcanary',
  '-h',
  '../../../../etc/passwd',
  '/etc/passwd',
  '1.5',
  '0x10',
  '1e3',
  '-1',
  '99999999999999999999',
  'NaN',
  'TRUE',
  'yes',
  'null',
  '~',
  '$(undefined)',
  'victim@example.com;attacker@evil.example',
];

type Body = (host: TaskHost, inputs: InputValues) => Promise<string | void>;

/** What each task's index.ts runs after readInputs. */
const BODIES: Record<string, Body> = {
  'argocd-register': (host, inputs) => argocdRegister(host, inputs as ArgoCdRegisterInputs),
  'deploy-observability': (host, inputs) => deployObservability(host, inputs as never),
  'export-pipeline-trace': (host, inputs) => exportPipelineTrace(host, exportTarget(host, inputs)),
  'promote-env': (host, inputs) => promoteEnv(host, inputs as never),
  'provision-aks': (host, inputs) => provisionAks(host, inputs as ProvisionAksInputs),
};

/** Valid inputs for each task (the config repo URL is filled in per run). */
const BASELINES: Record<string, Record<string, string>> = {
  'argocd-register': {
    kubeconfig: '/nonexistent/kubeconfig',
    configRepoUrl: 'https://dev.azure.com/contoso/gitops/_git/config-repo',
    configRepoToken: 'repo-token-0123456789',
    project: 'sample-app',
    appName: 'sample-app',
    environments: '- name: dev\n  email: dev@example.com\n- name: prod\n  slack: prod-deployments',
    slackToken: 'xoxb-slack-token-0123456789',
    smtpHost: 'smtp.example.com',
    smtpFrom: 'argocd@example.com',
    smtpUsername: 'mailer',
    smtpPassword: 'smtp-password-0123',
  },
  'deploy-observability': {
    action: 'render',
    alertEmailRecipients: 'ops@example.com',
    smtpHost: 'smtp.example.com',
    smtpFrom: 'grafana@example.com',
    smtpUsername: 'grafana',
    smtpPassword: 'smtp-password-0123',
    alertSlackWebhookUrl: 'https://hooks.slack.com/services/T0/B0/secret0123',
  },
  'export-pipeline-trace': { otlpEndpoint: 'https://otlp.example.com', otlpHeaders: 'authorization=Bearer%20otlp-token-0123' },
  'promote-env': { repoAuth: 'none', apps: 'sample-app', sourceEnvironment: 'dev', targetEnvironment: 'staging', verify: 'false', dryRun: 'true' },
  'provision-aks': {
    azureSubscription: 'arm',
    resourceGroup: 'rg-gitops',
    location: 'eastus',
    clusterName: 'aks-gitops',
    registryName: 'acrgitops12345',
    storageAccountName: 'stgitops12345',
  },
};

/** What a refused input must never reach: a network connection, a child process. Counted for every case. */
const reached = { connections: 0, processes: [] as { command: string; shell: boolean }[] };
const restore: (() => void)[] = [];

function installGuard(): void {
  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    reached.connections++;
    return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof connect;
  restore.push(() => (net.Socket.prototype.connect = connect));
  // The module itself, not an import's copy of it: the replacements are what every caller gets.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
  const cp = require('node:child_process') as Record<string, (...a: unknown[]) => unknown>;
  for (const name of ['spawn', 'execFile', 'exec', 'spawnSync', 'execFileSync', 'execSync']) {
    const original = cp[name];
    cp[name] = (...args: unknown[]) => {
      const options = args.find((a) => a && typeof a === 'object' && !Array.isArray(a)) as { shell?: unknown } | undefined;
      // exec and execSync always run a shell; the others only when asked.
      reached.processes.push({ command: String(args[0]), shell: name === 'exec' || name === 'execSync' || Boolean(options?.shell) });
      return original(...args);
    };
    restore.push(() => (cp[name] = original));
  }
}

/** Every key of a parsed YAML or JSON value, at any depth. */
function keysOf(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) keysOf(item, into);
  else if (value && typeof value === 'object')
    for (const [key, item] of Object.entries(value)) {
      into.add(key);
      keysOf(item, into);
    }
  return into;
}

/** Parses a rendered text (a manifest stream, or one config file inside a ConfigMap) and everything embedded in it. */
function parsedKeys(text: string, file: string): Set<string> {
  const values: unknown[] = [];
  if (file.endsWith('.json')) values.push(JSON.parse(text));
  else
    for (const doc of parseAllDocuments(text) as ReturnType<typeof parseAllDocuments> & unknown[]) {
      assert.equal(doc.errors.length, 0, `${file} parses: ${doc.errors[0]?.message}`);
      values.push(doc.toJS());
    }
  const keys = new Set<string>();
  for (const value of values as { data?: object }[]) {
    keysOf(value, keys);
    // The config files inside ConfigMaps and Secrets' string data.
    for (const [name, embedded] of Object.entries((value?.data ?? {}) as Record<string, unknown>))
      if (typeof embedded === 'string' && /\.(ya?ml|json)$|^(service|template|trigger)\./.test(name))
        for (const key of parsedKeys(embedded, /\.json$/.test(name) ? name : `${name}.yaml`)) keys.add(key);
  }
  return keys;
}

/** The texts an accepted value reaches, rendered without a cluster or Azure, each named by its format. */
function offlineOutputs(task: string, host: TestHost, inputs: InputValues): { name: string; text: string }[] {
  if (task === 'argocd-register')
    return renderRegistration(registration(host, inputs as ArgoCdRegisterInputs)).map((o) => ({ name: `${o.kind}.json`, text: JSON.stringify(o) }));
  if (task === 'provision-aks')
    return [{ name: 'desired-stack.json', text: JSON.stringify(desiredStack(inputs as ProvisionAksInputs, '00000000-0000-0000-0000-000000000000')) }];
  return [];
}

describe('hostile input: every input of every task × payloads', function () {
  this.timeout(300_000);
  let repo: ConfigRepoFixture;
  let temp: string;
  before(installGuard);
  after(() =>
    restore
      .splice(0)
      .reverse()
      .forEach((undo) => undo()),
  );
  beforeEach(() => {
    repo = createConfigRepo(['sample-app']);
    temp = fs.mkdtempSync(path.join(os.tmpdir(), 'hostile-'));
  });
  afterEach(() => {
    repo.cleanup();
    fs.rmSync(temp, { recursive: true, force: true });
  });

  for (const [task, definition] of Object.entries(TASK_DEFINITIONS)) {
    it(`${definition.name}: refused by name before anything is reached, or encoded safely`, async () => {
      const validate = compileInputValidator(definition);
      const counts = { cases: 0, refused: 0, accepted: 0, processes: 0 };
      let slowest = 0;
      const rssBefore = process.memoryUsage().rss;
      for (const input of definition.inputs) {
        for (const payload of PAYLOADS) {
          const raw = { ...BASELINES[task], ...(task === 'promote-env' ? { configRepoUrl: repo.url } : {}), [input.name]: payload };
          const host = new TestHost({ inputs: raw, variables: { 'Agent.TempDirectory': temp } });
          const label = `${definition.name} ${input.name}=${JSON.stringify(payload.slice(0, 60))}`;
          reached.connections = 0;
          reached.processes = [];
          const started = Date.now();
          let inputs: InputValues | undefined;
          await runTask(host, async () => {
            inputs = readInputs(definition, validate, host);
            // Secret outputs and every text the task prints must stay one line a setSecret can take.
            return BODIES[task](host, inputs);
          });
          slowest = Math.max(slowest, Date.now() - started);
          counts.cases++;
          const message = host.result?.message ?? '';
          assert.doesNotMatch(message, /^Unexpected error/, `${label}: ${message}`);
          assert.ok(!host.lines('debug').some((l) => /\n\s+at /.test(l)), `${label}: no stack trace`);
          // A 'secret' of a few letters (null, TRUE) is in any YAML: not a leak to look for.
          if (!(input.properties?.isSecret === 'true' && payload.trim().length < 8)) host.assertNothingSecretSaid();
          assert.ok(!reached.processes.some((p) => p.shell), `${label}: no process through a shell: ${JSON.stringify(reached.processes)}`);
          if (!inputs) {
            counts.refused++;
            assert.equal(host.result?.status, 'failed', label);
            // A blank value means the default, and a valid one (verify=TRUE) may make another input required: that one is named.
            const named = message.includes(`'${input.name}'`) || /^Input required: '[A-Za-z]+'/.test(message);
            assert.ok(named, `${label}: the refusal names the input: ${message}`);
            assert.equal(reached.connections, 0, `${label}: no connection for a refused input`);
            assert.equal(reached.processes.length, 0, `${label}: no process for a refused input`);
            // (A `$(name)` is a variable's name, not a secret: it is shown so the variable can be found.)
            if (input.properties?.isSecret === 'true' && payload.trim().length >= 4 && !payload.startsWith('$('))
              assert.ok(!message.includes(payload.trim()), `${label}: a refused secret is not echoed`);
            continue;
          }
          counts.accepted++;
          counts.processes += reached.processes.length;
          // Accepted: whatever the task printed (a render, a diff) and rendered offline parses, with no injected key.
          const printed = [...host.lines('info'), host.result?.message ?? '']
            .filter((text) => /^(---\n)?apiVersion:/.test(text))
            .map((text) => ({ name: 'printed.yaml', text }));
          for (const { name, text } of [...printed, ...offlineOutputsOrRefusal(task, host, inputs, label)])
            assert.ok(!parsedKeys(text, name).has(CANARY), `${label}: '${CANARY}' became a key in ${name}`);
        }
      }
      const grown = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
      assert.ok(slowest < 20_000, `${definition.name}: the slowest case took ${slowest} ms`);
      assert.ok(grown < 1024, `${definition.name}: memory grew by ${grown.toFixed(0)} MiB`);
      assert.ok(counts.refused > 0 && counts.cases === definition.inputs.length * PAYLOADS.length, JSON.stringify(counts));
      // The guard sees what it counts: an accepted PromoteEnv dry run runs git.
      if (task === 'promote-env') assert.ok(counts.processes > 0, 'git runs were seen');
      console.log(`      ${definition.name}: ${counts.cases} cases, ${counts.refused} refused, ${counts.accepted} accepted; slowest ${slowest} ms`);
    });
  }

  /** Offline renders of an accepted value; a cross-input rule may still refuse it there, by name. */
  function offlineOutputsOrRefusal(task: string, host: TestHost, inputs: InputValues, label: string): { name: string; text: string }[] {
    try {
      return offlineOutputs(task, host, inputs);
    } catch (error) {
      assert.equal((error as Error).name, 'UserError', `${label}: ${(error as Error).stack}`);
      return [];
    }
  }

  it('the canary check can fail: a concatenated config with an injected line is caught', () => {
    const concatenated = `host: ${`smtp.example.com\n${CANARY}: true`}\nport: 587\n`;
    assert.ok(parsedKeys(concatenated, 'service.email.yaml').has(CANARY));
    assert.ok(!keysOf(parse(`host: ${JSON.stringify(`smtp\n${CANARY}: true`)}\n`)).has(CANARY));
  });
});
