import * as assert from 'node:assert/strict';
import { compileInputValidator } from '../../pipeline/input-validator';
import { readInputs } from '../../pipeline/read-inputs';
import { TASK_DEFINITIONS } from '../../stack/task-definitions';
import { desiredStack, type ProvisionAksInputs } from '../desired-stack';
import { planChanges, RESOURCE_LABELS } from '../provisioning-plan';

describe('ProvisionAks plan rows are keyed on the resource, not on its label', () => {
  it('every row names its resource by kind; the label is only the display of that kind', () => {
    const definition = TASK_DEFINITIONS['provision-aks'];
    const raw: Record<string, string> = {
      azureSubscription: 'arm',
      resourceGroup: 'rg-gitops',
      location: 'eastus',
      clusterName: 'aks-gitops',
      registryName: 'acrgitops12345',
      createStorage: 'true',
      storageAccountName: 'stgitops12345',
    };
    const inputs = readInputs<ProvisionAksInputs>(definition, compileInputValidator(definition), { getInput: (n) => raw[n], setSecret: () => {} });
    const rows = planChanges(desiredStack(inputs, '00000000-0000-0000-0000-000000000000'), { containers: new Set(), acrPull: false });
    assert.deepEqual([...new Set(rows.map((r) => r.kind))].sort(), Object.keys(RESOURCE_LABELS).sort(), 'a fresh stack plans every kind of resource');
    for (const row of rows) assert.equal(row.resource, RESOURCE_LABELS[row.kind], row.kind);
  });
});
