import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { registerKubeconfigSecrets } from '../kube/kubeconfig-secrets';
import type { TaskHost } from '../pipeline/task-host';
import { desiredStack, type DesiredStack, type ProvisionAksInputs } from './desired-stack';
import { type CurrentState, type PlannedChange, RESOURCE_LABELS } from './provisioning-plan';

function table(changes: PlannedChange[]): string {
  const rows = changes.map((c) => [c.resource, c.name, c.action, c.details.join('; ')]);
  const widths = [0, 1, 2].map((i) => Math.max(...[['resource', 'name', 'change'][i], ...rows.map((r) => r[i])].map((s) => s.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i < 3 ? cell.padEnd(widths[i]) : cell))
      .join('  ')
      .trimEnd();
  return [line(['resource', 'name', 'change', 'details']), ...rows.map(line)].join('\n');
}

/**
 * The ProvisionAks task: read what exists, plan, and (apply) send only what the
 * plan needs, or (destroy) delete. A second apply with the same inputs sends no PUT.
 */
export async function provisionAks(host: TaskHost, inputs: ProvisionAksInputs): Promise<string> {
  // The Azure SDKs and MSAL are evaluated only now, after the inputs passed: bad input fails fast.
  const { azureConnectionFrom } = await import('./azure-connection');
  const { armClients } = await import('./arm-clients');
  const { checkNamesAvailable, planChanges, readCurrent, resourceId } = await import('./provisioning-plan');
  const { applyProvisioning, destroyPreview, destroyProvisioning } = await import('./apply-provisioning');
  const connection = await azureConnectionFrom(host, 'azureSubscription', inputs.azureSubscription, inputs.subscriptionId);
  const desired = desiredStack(inputs, connection.subscriptionId);
  const pollIntervalMs = Number(host.getVariable('GitOpsStack.PollIntervalMs') ?? 2000);
  const clients = armClients(connection, pollIntervalMs);
  const log = (line: string) => host.info(line);
  const report = { log, progress: (percent: number, operation: string) => host.progress(percent, operation) };

  host.progress(5, 'reading what exists');
  const current = await readCurrent(clients, desired);
  if (inputs.action === 'destroy') {
    const whole = inputs.destroyResourceGroup ?? true;
    const { deletes, keeps } = destroyPreview(desired, current, whole);
    if (!deletes.length) {
      host.info(`Nothing to destroy: resource group ${desired.resourceGroup} does not exist.`);
      return 'Nothing to destroy.';
    }
    // What goes and what stays, before the first DELETE.
    host.info(`Destroy: these are deleted${keeps.length ? ', these are kept' : ''}:\n${table([...deletes, ...keeps])}`);
    const gone = await host.group('Destroy', () => destroyProvisioning(clients, desired, current, deletes, report));
    summarize(host, desired.subscriptionId, [...gone, ...keeps], 'destroy', resourceId);
    const named = gone.filter((g) => !g.details.includes('with the group'));
    return `Destroyed ${named.map((g) => `${g.resource} ${g.name}`).join(', ')}.`;
  }

  const changes = planChanges(desired, current);
  const pending = changes.filter((c) => c.action !== 'no change');
  await host.group(`Plan: ${pending.length} change${pending.length === 1 ? '' : 's'}`, async () => host.info(table(changes)));
  await checkNamesAvailable(clients, desired, changes);
  host.setOutput('planChanges', String(pending.length));
  host.setOutput('clusterName', desired.cluster.name);
  host.setOutput('resourceGroup', desired.resourceGroup);
  if (desired.storage) host.setOutput('storageAccountName', desired.storage.name);
  if (inputs.action === 'plan') {
    summarize(host, desired.subscriptionId, changes, 'plan', resourceId);
    return pending.length ? `Plan: ${pending.length} change(s); run with action 'apply' to make them.` : 'Plan: everything is up to date.';
  }

  host.progress(15, 'applying');
  const provisioned = await host
    .group('Apply', () => applyProvisioning(clients, desired, current, changes, report))
    .catch(async (error: unknown) => {
      // What exists now, and in which state, so the next run (or a person) starts from facts.
      const after = await readCurrent(clients, desired).catch(() => undefined);
      if (after) host.summary('ProvisionAks: apply failed', stateTable(desired, after));
      throw error;
    });
  registerKubeconfigSecrets(provisioned.kubeconfig, (value) => host.setSecret(value));
  const dir = host.getVariable('Agent.TempDirectory') || os.tmpdir();
  const kubeconfigPath = path.join(dir, `kubeconfig-${desired.cluster.name}`);
  fs.writeFileSync(kubeconfigPath, provisioned.kubeconfig, { mode: 0o600 });
  fs.chmodSync(kubeconfigPath, 0o600);
  host.setOutput('kubeconfigPath', kubeconfigPath);
  host.setOutput('registryLoginServer', provisioned.registryLoginServer);
  if (provisioned.cluster.oidcIssuerProfile?.issuerURL) host.setOutput('oidcIssuerUrl', provisioned.cluster.oidcIssuerProfile.issuerURL);
  if (provisioned.storageKey) host.setOutput('storageAccountKey', provisioned.storageKey, { secret: true });
  summarize(host, desired.subscriptionId, changes, 'apply', resourceId);
  return pending.length ? `Applied ${pending.length} change(s).` : 'Everything was up to date; nothing was changed.';
}

/** Each resource of the stack, whether it exists and its provisioning state, as a Markdown table. */
function stateTable(desired: DesiredStack, current: CurrentState): string {
  const state = (resource?: { provisioningState?: string }) => (resource ? (resource.provisioningState ?? 'exists') : 'absent');
  const rows = [
    [
      RESOURCE_LABELS.resourceGroup,
      desired.resourceGroup,
      state(current.resourceGroup && { provisioningState: current.resourceGroup.properties?.provisioningState }),
    ],
    [RESOURCE_LABELS.cluster, desired.cluster.name, state(current.cluster)],
    [RESOURCE_LABELS.registry, desired.registry.name, state(current.registry)],
    ...(desired.storage ? [[RESOURCE_LABELS.storageAccount, desired.storage.name, state(current.storage)]] : []),
    ...(desired.storage?.containers ?? []).map((c) => [
      RESOURCE_LABELS.blobContainer,
      `${desired.storage!.name}/${c}`,
      current.containers.has(c) ? 'exists' : 'absent',
    ]),
    [RESOURCE_LABELS.acrPull, `kubelet → ${desired.registry.name}`, current.acrPull ? 'exists' : 'absent'],
  ];
  return ['| resource | name | state |', '| --- | --- | --- |', ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function summarize(
  host: TaskHost,
  subscription: string,
  changes: PlannedChange[],
  action: string,
  resourceId: (subscription: string, group: string) => string,
): void {
  const portal = (c: PlannedChange) => {
    const group = changes.find((x) => x.kind === 'resourceGroup')?.name;
    return group && c.kind === 'resourceGroup' ? `[${c.name}](https://portal.azure.com/#@/resource${resourceId(subscription, group)})` : c.name;
  };
  host.summary(
    `ProvisionAks: ${action}`,
    [
      '| resource | name | change | details |',
      '| --- | --- | --- | --- |',
      ...changes.map((c) => `| ${c.resource} | ${portal(c)} | ${c.action} | ${c.details.join('; ')} |`),
    ].join('\n'),
  );
}
