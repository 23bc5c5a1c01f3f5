import { randomBytes } from 'node:crypto';
import type { TaskHost } from '../pipeline/task-host';
import { type DeployObservabilityInputs, type StackSecrets, stackOptions } from './options';
import { traced } from '../telemetry/task-trace';

/**
 * The DeployObservability task: `render` prints the stack's manifests; `apply`
 * server-side applies them (pruning what is no longer rendered) and waits for
 * every workload; `delete` removes what earlier applies made.
 */
export async function deployObservability(host: TaskHost, inputs: DeployObservabilityInputs): Promise<string> {
  const o = stackOptions(inputs);
  // The renderer (YAML, configs, dashboards) is evaluated only once the inputs passed: bad input fails fast.
  const { renderStack, toYaml } = await import('./render-stack');
  const { inventorySelector } = await import('./workload');
  if (inputs.action === 'render') {
    const objects = renderStack(o);
    host.info(toYaml(objects));
    return `Rendered ${objects.length} objects for namespace ${o.namespace}.`;
  }

  // The Kubernetes client is evaluated only now, after the inputs passed: bad input fails fast.
  // (A dynamic import of the package itself would defeat tree shaking and double the bundle.)
  const { assertReachable, clusterInput, kubeConfigFromInputs } = await import('../kube/kube-config');
  const { objectsApi } = await import('../kube/server-side-apply');
  const { waitForRollout } = await import('../kube/wait-for-rollout');
  const { applyStack, deleteStack } = await import('./apply-stack');
  const { existingCredentials, otlpAgentsEndpoint, publicGrafanaUrl } = await import('./cluster');
  const config = kubeConfigFromInputs(host, inputs);
  await assertReachable(config, clusterInput(inputs));
  const objects = objectsApi(config);

  if (inputs.action === 'delete') {
    const deleted = await host.group(`Delete the observability stack from ${o.namespace}`, () => deleteStack(objects, o.namespace));
    for (const name of deleted) host.info(`${name}: deleted`);
    return `Deleted ${deleted.length} objects from namespace ${o.namespace}; the namespace and its volumes are kept.`;
  }

  const secrets = stackSecrets(host, inputs, await existingCredentials(config, o.namespace));
  const rendered = renderStack(o, secrets);
  const result = await host.group(`Apply ${rendered.length} objects to ${o.namespace}`, () =>
    traced('apply observability stack', { 'k8s.namespace.name': o.namespace }, () => applyStack(objects, rendered, o.namespace, (line) => host.info(line))),
  );
  host.progress(60, 'applied');
  await host.group('Wait for every component to be ready', () =>
    traced('wait for rollout', { 'k8s.namespace.name': o.namespace }, () =>
      waitForRollout(config, o.namespace, inputs.waitTimeoutMinutes * 60_000, (line) => host.info(line), { labelSelector: inventorySelector(o.namespace) }),
    ),
  );

  const url = await publicGrafanaUrl(config, o);
  host.setOutput('namespace', o.namespace);
  if (o.components.has('grafana')) {
    host.setOutput('grafanaUrl', url);
    host.setOutput('grafanaAdminPassword', secrets.grafanaAdminPassword, { secret: true });
  }
  if (o.components.has('alloy')) host.setOutput('otlpEndpoint', `http://alloy.${o.namespace}.svc.cluster.local:4318`);
  if (o.otlpAgents) {
    const agents = await otlpAgentsEndpoint(config, o);
    if (agents) host.setOutput('otlpPublicEndpoint', agents);
    else host.warning('The OTLP load balancer has no address yet; read it later from the Service alloy-agents.');
    host.setOutput('otlpToken', secrets.otlpToken!, { secret: true });
  }
  const changed = result.applied.filter((a) => a.change !== 'unchanged');
  host.summary(
    `DeployObservability: ${o.namespace}`,
    [
      '| component | image |',
      '| --- | --- |',
      ...rendered
        .filter((r) => r.kind === 'StatefulSet' || r.kind === 'Deployment')
        .map(
          (r) => `| ${r.metadata!.name} | \`${(r.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0].image}\` |`,
        ),
      '',
      o.components.has('grafana') ? `Grafana: ${url} (user \`admin\`, password in the secret output \`grafanaAdminPassword\`)` : '',
    ].join('\n'),
  );
  return `Observability stack in ${o.namespace} is ready: ${changed.length} of ${result.applied.length} objects changed, ${result.pruned.length} pruned.`;
}

/**
 * The credentials: each input, else what an earlier apply generated (so re-applies change nothing),
 * else new random ones. Registered as secrets at once.
 */
function stackSecrets(host: TaskHost, inputs: DeployObservabilityInputs, existing: { grafanaAdminPassword?: string; otlpToken?: string }): StackSecrets {
  const grafanaAdminPassword = inputs.grafanaAdminPassword || existing.grafanaAdminPassword || randomBytes(24).toString('base64url');
  const otlpToken = inputs.otlpExposure !== 'none' ? inputs.otlpToken || existing.otlpToken || randomBytes(32).toString('hex') : undefined;
  for (const value of [grafanaAdminPassword, otlpToken]) if (value) host.setSecret(value);
  return {
    grafanaAdminPassword,
    storageAccountKey: inputs.storageAccountKey,
    slackWebhookUrl: inputs.alertSlackWebhookUrl,
    smtpPassword: inputs.smtpPassword,
    otlpToken,
  };
}
