import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { sharedControlPlane } from '../../../test/cluster/shared-control-plane';
import { type FakeServer, startFakeServer } from '../../../test/harness/fake-server';
import { assertNoSecretLeak } from '../../../test/harness/leak-check';
import { runL0 } from '../../../test/harness/run-l0';
import { spanIdFor, traceIdFor } from '../otlp';
import { uniqueName } from '../../../test/harness/unique-name';

type Any = any;
const FAKES = path.join(__dirname, '..', '..', '..', 'test', 'fakes');
const attr = (span: Any, key: string) => {
  const v = span.attributes.find((a: Any) => a.key === key)?.value;
  return v?.stringValue ?? (v?.intValue !== undefined ? Number(v.intValue) : v?.boolValue);
};

describe('pipeline runs as traces', function () {
  this.timeout(120000);
  const token = 'otlp-token-6b1f0c2e9d4a';
  const run = { collection: 'https://dev.azure.com/contoso/', projectId: '5f8e2c1a-0b7d-4e3f-9a21-7c4d1e2b3f60', buildId: '4711' };
  const traceId = traceIdFor(run.collection, run.projectId, run.buildId);
  const variables = (taskInstanceId: string, receiver: FakeServer) => ({
    'System.CollectionUri': run.collection,
    'System.TeamProject': 'gitops',
    'System.TeamProjectId': run.projectId,
    'Build.BuildId': run.buildId,
    'Build.BuildNumber': '20261126.3',
    'Build.DefinitionName': 'sample-app-delivery',
    'System.JobId': 'a1a1a1a1-0000-4000-8000-000000000001',
    'System.TaskInstanceId': taskInstanceId,
    'System.StageName': 'bootstrap',
    'Agent.Name': 'Hosted Agent',
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
  });
  let receiver: FakeServer;
  const spans = async () =>
    (await receiver.requests())
      .filter((r) => r.path === '/v1/traces')
      .flatMap((r) =>
        JSON.parse(r.body).resourceSpans.flatMap((rs: Any) => rs.scopeSpans.flatMap((ss: Any) => ss.spans.map((s: Any) => ({ ...s, resource: rs.resource })))),
      );

  // Each test has its own OTLP receiver (and Azure DevOps below): the spans it reads are its own.
  beforeEach(async () => {
    receiver = await startFakeServer(path.join(FAKES, 'otlp-receiver.js'), { token });
  });
  afterEach(() => receiver?.stop());

  it("each task of a run sends its span and its slow steps into the run's one trace, with CI/CD attributes and no secret", async () => {
    const cluster = await sharedControlPlane();
    const namespace = uniqueName('trace-l0');
    const config = new k8s.KubeConfig();
    config.loadFromFile(cluster.kubeconfig);
    await config.makeApiClient(k8s.CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
    const repoToken = 'pat-trace-0123456789abcdef';
    const headers = `authorization=Bearer%20${token}`;
    const register = await runL0({
      task: 'argocd-register',
      inputs: {
        kubeconfig: cluster.kubeconfig,
        argocdNamespace: namespace,
        configRepoUrl: 'https://dev.azure.com/contoso/gitops/_git/config-repo',
        configRepoToken: repoToken,
        project: 'sample-app',
        appName: 'sample-app',
        environments: stringify([{ name: 'dev' }]),
        syncAndWait: 'false',
      },
      variables: variables('7a0e0000-0000-4000-8000-00000000000a', receiver),
      secretVariables: { OTEL_EXPORTER_OTLP_HEADERS: headers },
      secrets: [repoToken, cluster.token, token],
    });
    assert.equal(register.succeeded, true, register.stdout);
    const render = await runL0({
      task: 'deploy-observability',
      inputs: { action: 'render' },
      variables: variables('7a0e0000-0000-4000-8000-00000000000b', receiver),
      secretVariables: { OTEL_EXPORTER_OTLP_HEADERS: headers },
    });
    assert.equal(render.succeeded, true, render.stdout);

    const sent = await spans();
    const tasks = sent.filter((s) => attr(s, 'cicd.pipeline.task.name'));
    assert.deepEqual(tasks.map((s) => s.name).sort(), ['ArgoCDRegister', 'DeployObservability']);
    for (const task of tasks) {
      assert.equal(task.traceId, traceId, 'one trace for the run, derived from collection, project and build id');
      assert.equal(task.parentSpanId, spanIdFor(traceId, attr(task, 'cicd.pipeline.task.run.id')), "under its timeline record's span");
      assert.equal(attr(task, 'cicd.pipeline.name'), 'sample-app-delivery');
      assert.equal(attr(task, 'cicd.pipeline.run.id'), '4711');
      assert.equal(attr(task, 'cicd.pipeline.task.run.result'), 'success');
      assert.equal(attr(task, 'cicd.pipeline.run.url.full'), 'https://dev.azure.com/contoso/gitops/_build/results?buildId=4711');
      assert.equal(task.status.code, 1);
      assert.equal(attr(task.resource, 'service.name'), 'azure-pipelines');
      assert.match(task.startTimeUnixNano, /^\d{19}$/);
      assert.ok(BigInt(task.endTimeUnixNano) >= BigInt(task.startTimeUnixNano));
    }
    const registerSpan = tasks.find((s) => s.name === 'ArgoCDRegister');
    const apply = sent.find((s) => s.name === 'apply Argo CD registration');
    assert.equal(apply.parentSpanId, registerSpan.spanId, 'the slow step is a child of its task');
    assert.equal(apply.traceId, traceId);
    const requests = (await receiver.requests()).filter((r) => r.path === '/v1/traces');
    assert.ok(
      requests.every((r) => r.headers.authorization === `Bearer ${token}`),
      'OTEL_EXPORTER_OTLP_HEADERS (a secret variable) is sent',
    );
    assertNoSecretLeak(requests.map((r) => r.body).join('\n'), [repoToken, cluster.token, token]);
  });

  it('a failed task is a span with result failure, status ERROR and the message the log shows', async () => {
    const failed = await runL0({
      task: 'deploy-observability',
      inputs: { action: 'render', namespace: 'Not_A_Label' },
      variables: variables('7a0e0000-0000-4000-8000-00000000000e', receiver),
      secretVariables: { OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer%20${token}` },
    });
    assert.equal(failed.failed, true);
    const span = (await spans()).find((s) => attr(s, 'cicd.pipeline.task.run.id') === '7a0e0000-0000-4000-8000-00000000000e');
    assert.equal(attr(span, 'cicd.pipeline.task.run.result'), 'failure');
    assert.equal(span.status.code, 2);
    assert.equal(span.status.message, failed.errorIssues[0]);
  });

  it('an endpoint that cannot be reached or refuses is a warning; the task still succeeds', async () => {
    const unreachable = await runL0({
      task: 'deploy-observability',
      inputs: { action: 'render' },
      variables: { ...variables('7a0e0000-0000-4000-8000-00000000000c', receiver), OTEL_EXPORTER_OTLP_ENDPOINT: 'https://127.0.0.1:1' },
    });
    assert.equal(unreachable.succeeded, true);
    assert.match(
      unreachable.stdout,
      /##vso\[task\.issue type=warning;[^\]]*\]Pipeline trace not sent: the OTLP endpoint https:\/\/127\.0\.0\.1:1\/v1\/traces cannot be reached/,
    );
    const refused = await runL0({
      task: 'deploy-observability',
      inputs: { action: 'render' },
      variables: variables('7a0e0000-0000-4000-8000-00000000000d', receiver),
    });
    assert.equal(refused.succeeded, true);
    assert.match(refused.stdout, /Pipeline trace not sent: the OTLP endpoint .* answered HTTP 401/);
  });

  it('a malformed OTEL_EXPORTER_OTLP_HEADERS or an endpoint with credentials turns tracing off with a warning, no stack, no leak', async () => {
    const badHeaders = await runL0({
      task: 'deploy-observability',
      inputs: { action: 'render' },
      variables: { ...variables('7a0e0000-0000-4000-8000-00000000000e', receiver), OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%ZZsecret-hdr-77' },
    });
    assert.equal(badHeaders.succeeded, true);
    assert.match(
      badHeaders.stdout,
      /##vso\[task\.issue type=warning;[^\]]*\]Pipeline trace off for this task: OTEL_EXPORTER_OTLP_HEADERS: pair 1 is not name=value/,
    );
    assertNoSecretLeak(badHeaders.stdout, ['authorization=Bearer%ZZsecret-hdr-77']);
    assert.doesNotMatch(badHeaders.stdout, /\n\s+at .*\.js:\d+/, 'no stack trace');
    const withCredentials = await runL0({
      task: 'deploy-observability',
      inputs: { action: 'render' },
      variables: { ...variables('7a0e0000-0000-4000-8000-00000000000f', receiver), OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel:pw-in-url-55@127.0.0.1:1' },
    });
    assert.equal(withCredentials.succeeded, true);
    assert.match(
      withCredentials.stdout,
      /Pipeline trace off for this task: The OTLP endpoint 'https:\/\/127\.0\.0\.1:1\/v1\/traces' must be an http\(s\) URL without user:password@/,
    );
    assertNoSecretLeak(withCredentials.stdout, ['pw-in-url-55']);
    assert.equal((await spans()).length, 0, 'nothing sent');
  });

  describe('the run export (ExportPipelineTrace) from the Build API timeline', () => {
    let ado: FakeServer;
    const adoToken = 'ado-job-token-9f8e7d6c5b4a';
    const t = (minute: number, second = 0) => new Date(Date.UTC(2026, 10, 26, 10, minute, second)).toISOString();
    const records = [
      {
        id: 'stage-ci',
        parentId: null,
        type: 'Stage',
        name: 'Build and deliver to dev',
        identifier: 'ci',
        startTime: t(0),
        finishTime: t(6),
        state: 'completed',
        result: 'succeeded',
        attempt: 1,
      },
      { id: 'phase-build', parentId: 'stage-ci', type: 'Phase', name: 'build', startTime: t(0), finishTime: t(6), state: 'completed', result: 'succeeded' },
      {
        id: 'job-build',
        parentId: 'phase-build',
        type: 'Job',
        name: 'Build, test, push sample-app',
        startTime: t(0, 5),
        finishTime: t(6),
        state: 'completed',
        result: 'succeeded',
        workerName: 'Hosted Agent',
        attempt: 1,
      },
      {
        id: 'task-docker',
        parentId: 'job-build',
        type: 'Task',
        name: 'Build and push sample-app',
        task: { name: 'Docker', version: '2.250.0' },
        startTime: t(1),
        finishTime: t(4, 30),
        state: 'completed',
        result: 'succeeded',
      },
      {
        id: '7a0e0000-0000-4000-8000-00000000000a',
        parentId: 'job-build',
        type: 'Task',
        name: 'Promote sample-app to dev',
        task: { name: 'PromoteEnv', version: '0.2.0' },
        startTime: t(4, 30),
        finishTime: t(6),
        state: 'completed',
        result: 'succeeded',
      },
      {
        id: 'stage-prod',
        parentId: null,
        type: 'Stage',
        name: 'Promote to prod',
        identifier: 'promote_prod',
        startTime: t(7),
        finishTime: t(20),
        state: 'completed',
        result: 'failed',
      },
      {
        id: 'checkpoint-prod',
        parentId: 'stage-prod',
        type: 'Checkpoint',
        name: 'Checkpoint: approvals for prod',
        startTime: t(7),
        finishTime: t(15),
        state: 'completed',
        result: 'succeeded',
      },
      {
        id: 'job-prod',
        parentId: 'stage-prod',
        type: 'Job',
        name: 'Promote to prod',
        startTime: t(15),
        finishTime: t(20),
        state: 'completed',
        result: 'failed',
        errorCount: 1,
      },
      {
        id: 'task-promote-prod',
        parentId: 'job-prod',
        type: 'Task',
        name: 'Promote sample-app to prod',
        task: { name: 'PromoteEnv' },
        startTime: t(15, 10),
        finishTime: t(20),
        state: 'completed',
        result: 'failed',
        errorCount: 1,
      },
      { id: 'task-skipped', parentId: 'job-prod', type: 'Task', name: 'Annotate', startTime: null, finishTime: null, state: 'completed', result: 'skipped' },
    ];

    beforeEach(async () => {
      ado = await startFakeServer(path.join(FAKES, 'azure-devops.js'), {
        organization: 'contoso',
        project: 'gitops',
        projectRoot: '/nonexistent',
        token: adoToken,
        builds: {
          4711: {
            build: {
              buildNumber: '20261126.3',
              startTime: t(0),
              finishTime: t(21),
              result: 'failed',
              status: 'completed',
              definition: { id: 7, name: 'sample-app-delivery' },
            },
            records,
          },
        },
      });
    });
    afterEach(() => ado?.stop());

    const exportRun = (overrides: Record<string, string> = {}, token = adoToken) =>
      runL0({
        task: 'export-pipeline-trace',
        inputs: { otlpEndpoint: receiver.url, otlpHeaders: `authorization=Bearer%20${token === adoToken ? 'otlp-token-6b1f0c2e9d4a' : token}` },
        variables: { ...variables('export-task', receiver), 'System.CollectionUri': `${ado.url}/contoso/`, ...overrides },
        secretVariables: { 'System.AccessToken': token },
        secrets: [adoToken, 'otlp-token-6b1f0c2e9d4a'],
      });

    it("sends stages, jobs, checks and tasks as spans with their timing, results and parents, Microsoft's tasks included", async () => {
      const result = await exportRun();
      assert.equal(result.succeeded, true, result.stdout);
      assert.match(result.stdout, /Sent the run as trace [0-9a-f]{32}: 9 spans/);
      const exportTrace = traceIdFor(`${ado.url}/contoso/`, run.projectId, run.buildId);
      const sent = (await spans()).filter((s) => s.traceId === exportTrace);
      const byName = (name: string) => sent.find((s) => s.name === name);
      const root = byName('sample-app-delivery 20261126.3');
      assert.equal(root.parentSpanId, undefined);
      assert.equal(root.spanId, spanIdFor(exportTrace, 'run'));
      assert.equal(attr(root, 'cicd.pipeline.result'), 'failure');
      assert.equal(root.status.code, 2);
      const stage = byName('stage Build and deliver to dev');
      const job = byName('job Build, test, push sample-app');
      const docker = byName('Build and push sample-app');
      assert.equal(stage.parentSpanId, root.spanId);
      assert.equal(job.parentSpanId, stage.spanId, 'phases are skipped: the job hangs under its stage');
      assert.equal(docker.parentSpanId, job.spanId);
      assert.equal(attr(docker, 'cicd.pipeline.task.name'), 'Docker');
      assert.equal(docker.startTimeUnixNano, `${Date.parse(t(1))}000000`);
      assert.equal(docker.endTimeUnixNano, `${Date.parse(t(4, 30))}000000`);
      const promote = byName('Promote sample-app to dev');
      assert.equal(promote.spanId, spanIdFor(exportTrace, '7a0e0000-0000-4000-8000-00000000000a'), "the id our task's own span names as its parent");
      const checkpoint = byName('Checkpoint: approvals for prod');
      assert.equal(checkpoint.endTimeUnixNano - checkpoint.startTimeUnixNano, 8 * 60 * 1e9, 'the wait for approval shows');
      const failed = byName('Promote sample-app to prod');
      assert.deepEqual([attr(failed, 'cicd.pipeline.task.run.result'), failed.status.code], ['failure', 2]);
      assert.equal(attr(byName('Build and push sample-app'), 'cicd.pipeline.task.run.result'), 'success');
      assert.equal(byName('Annotate'), undefined, 'a task that never started has no span');
      assert.match(attr(docker, 'cicd.pipeline.task.run.url.full'), /_build\/results\?buildId=4711&view=logs&j=job-build&t=task-docker$/);
      assert.match(result.stdout, /##vso\[task\.setvariable variable=spanCount;isOutput=true;issecret=false;\]9/);
    });

    it('names the job token problem and the missing build clearly', async () => {
      const denied = await exportRun({}, 'wrong-token-000000000');
      assert.equal(denied.failed, true);
      assert.match(
        denied.errorIssues[0],
        /Reading the run's timeline failed \(HTTP 401\): TF400813.* The build service needs read access to builds of this project\./,
      );
      const missing = await exportRun({ 'Build.BuildId': '999' });
      assert.equal(missing.failed, true);
      assert.match(missing.errorIssues[0], /Reading the run's timeline failed \(HTTP 404\)|Build 999 or its timeline was not found/);
    });
  });
});
