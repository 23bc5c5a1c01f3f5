import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { referenceDataDir } from '../cluster/reference-data';
import { startFakeServer, type FakeServer } from '../harness/fake-server';

/**
 * The Resource Manager fake against traffic recorded from real Azure (../shared/data/arm-recordings):
 * for each operation ProvisionAks uses, the fake is driven the way the SDK drives Azure (the first
 * request, then the polling URL until the operation ends, then the final read where the recording
 * has one), and the sequence of answers (status, polling headers, state) must be the recorded one.
 * Runs of identical polls count once: Azure polled 118 times where the fake answers 2.
 */
const SUBSCRIPTION = '1b2c3d4e-0000-4000-8000-00000000abcd';
const POLLING_HEADERS = ['azure-asyncoperation', 'location', 'retry-after'];

interface Shape {
  method: string;
  target: 'resource' | 'poll';
  status: number;
  headers: string[];
  state?: string;
}

const isPoll = (url: string) => /\/(operations|asyncoperations|operationresults)\//i.test(new URL(url, 'https://x').pathname);
/** `status` (an operation) or `properties.provisioningState` (a resource) of a body, JSON or the condensed files' Python-style text. */
function stateOf(body: unknown): string | undefined {
  if (body && typeof body === 'object') {
    const b = body as { status?: string; properties?: { provisioningState?: string } };
    return b.status ?? b.properties?.provisioningState;
  }
  const text = String(body ?? '');
  return /'status': '(\w+)'/.exec(text)?.[1] ?? /'provisioningState': '(\w+)'/.exec(text)?.[1];
}
function headerNames(headers: unknown): string[] {
  const names = typeof headers === 'string' ? [...headers.matchAll(/'([\w-]+)':/g)].map((m) => m[1]) : Object.keys((headers as object) ?? {});
  return names
    .map((n) => n.toLowerCase())
    .filter((n) => POLLING_HEADERS.includes(n))
    .sort();
}
const collapse = (shapes: Shape[]) => shapes.filter((s, i) => i === 0 || JSON.stringify(s) !== JSON.stringify(shapes[i - 1]));

/** The recorded answers of the entries `keep` selects. */
function recorded(file: string, keep: (method: string, url: string) => boolean): Shape[] {
  const data = referenceDataDir();
  if (!data) throw new Error('the ARM recordings are read from ../shared/data/arm-recordings (or GITOPS_REFERENCE_DATA): neither was found');
  const json = JSON.parse(fs.readFileSync(path.join(data, 'arm-recordings', file), 'utf8'));
  const entries: Record<string, unknown>[] = Array.isArray(json) ? json : (json.Entries ?? json.networkCallRecords);
  return collapse(
    entries
      .map((e) => ({ method: String(e.RequestMethod ?? e.Method), url: String(e.RequestUri ?? e.Uri), e }))
      .filter(({ method, url }) => keep(method, url))
      .map(({ method, url, e }) => {
        const response = (e.Response ?? {}) as Record<string, unknown>;
        const body = typeof e.ResponseBody === 'string' && e.ResponseBody.startsWith('{"') ? JSON.parse(e.ResponseBody) : (e.ResponseBody ?? response.Body);
        return {
          method,
          target: isPoll(url) ? 'poll' : 'resource',
          status: Number(e.StatusCode ?? response.StatusCode),
          headers: headerNames(e.ResponseHeaders ?? response),
          state: stateOf(body),
        } as Shape;
      }),
  );
}

describe('Resource Manager fake against recorded Azure traffic', function () {
  this.timeout(30000);
  let arm: FakeServer;
  const token = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ exp: Math.floor(Date.now() / 1000) + 3600 })).toString('base64url')}.sig`;

  /** What the fake answers to `first`, then to each poll of the URL it names, then (optionally) a read of the resource. */
  async function driven(first: { method: string; path: string; body?: unknown }, finalRead: boolean): Promise<Shape[]> {
    const shapes: Shape[] = [];
    const call = async (method: string, url: string, body?: unknown) => {
      const response = await fetch(url, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      const headers = Object.fromEntries(response.headers.entries());
      shapes.push({
        method,
        target: isPoll(url) ? 'poll' : 'resource',
        status: response.status,
        headers: headerNames(headers),
        state: stateOf(text ? JSON.parse(text) : undefined),
      });
      return { status: response.status, headers };
    };
    let answer = await call(first.method, `${arm.url}${first.path}`, first.body);
    let pollUrl = answer.headers['azure-asyncoperation'] ?? answer.headers.location;
    for (let i = 0; pollUrl && i < 20; i++) {
      answer = await call('GET', pollUrl);
      const last = shapes[shapes.length - 1];
      if (last.state && last.state !== 'InProgress') break;
      if (answer.status === 200 && !last.state) break;
      // Azure-AsyncOperation is one URL for every poll; storage's Location is new on each.
      pollUrl = answer.headers.location && !answer.headers['azure-asyncoperation'] && !pollUrl.includes('/operations/') ? answer.headers.location : pollUrl;
    }
    if (finalRead) await call('GET', `${arm.url}${first.path}`);
    return collapse(shapes);
  }

  const rg = `/subscriptions/${SUBSCRIPTION}/resourceGroups/myjstest`;
  beforeEach(async () => {
    arm = await startFakeServer(path.join(__dirname, 'azure-resource-manager.js'), { subscriptionId: SUBSCRIPTION, polls: 2 });
    await fetch(`${arm.url}${rg}?api-version=2021-04-01`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}` },
      body: JSON.stringify({ location: 'eastus' }),
    });
  });
  afterEach(() => arm.stop());

  const cluster = {
    location: 'eastus',
    identity: { type: 'SystemAssigned' },
    properties: { dnsPrefix: 'aks-myreourcexyz', agentPoolProfiles: [{ name: 'system', mode: 'System', count: 1, vmSize: 'Standard_D2s_v3' }] },
  };
  const clusterPath = `${rg}/providers/Microsoft.ContainerService/managedClusters/myreourcexyz?api-version=2023-10-01`;

  it('AKS create: 201 with Azure-AsyncOperation, polls InProgress until Succeeded, then the cluster Succeeded', async () => {
    const expected = recorded('recording_managedclusters_create_test.json', () => true);
    assert.deepEqual(await driven({ method: 'PUT', path: clusterPath, body: cluster }, true), expected);
  });

  it('AKS delete: 202 with Azure-AsyncOperation and Location, polls InProgress until Succeeded', async () => {
    await driven({ method: 'PUT', path: clusterPath, body: cluster }, false);
    // The recording ends with the test's own list call, which is not part of the operation.
    const expected = recorded('recording_managedclusters_delete_test.json', (method, url) => method === 'DELETE' || isPoll(url));
    assert.deepEqual(await driven({ method: 'DELETE', path: clusterPath }, false), expected);
    assert.equal((await fetch(`${arm.url}${clusterPath}`, { headers: { authorization: `Bearer ${token}` } })).status, 404, 'and the cluster is gone');
  });

  it('storage account create: 202 with a new Location and Retry-After on each poll, then 200 with the account', async () => {
    const expected = recorded('recording_storageaccounts_create_test.json', () => true);
    const body = { location: 'westeurope', sku: { name: 'Standard_LRS' }, kind: 'StorageV2' };
    assert.deepEqual(
      await driven({ method: 'PUT', path: `${rg}/providers/Microsoft.Storage/storageAccounts/storageaccountzzzxxx2?api-version=2024-01-01`, body }, false),
      expected,
    );
  });

  it('blob container create, registry create and role assignment create answer as recorded', async () => {
    const account = `${rg}/providers/Microsoft.Storage/storageAccounts/stcontainers`;
    await driven({ method: 'PUT', path: `${account}?api-version=2024-01-01`, body: { location: 'eastus', sku: { name: 'Standard_LRS' } } }, false);
    assert.deepEqual(
      await driven({ method: 'PUT', path: `${account}/blobServices/default/containers/mycontainer?api-version=2024-01-01`, body: { properties: {} } }, false),
      recorded('recording_blobcontainers_create_test.json', () => true),
    );
    const registry = `${rg}/providers/Microsoft.ContainerRegistry/registries/myregistryxxx`;
    assert.deepEqual(
      await driven({ method: 'PUT', path: `${registry}?api-version=2023-07-01`, body: { location: 'eastus', sku: { name: 'Standard' } } }, false),
      recorded('recording_registries_create_test.json', () => true),
    );
    const assignment = `${registry}/providers/Microsoft.Authorization/roleAssignments/2b1a6c1e-0000-4000-8000-000000000001?api-version=2022-04-01`;
    const grant = {
      properties: {
        roleDefinitionId: `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d`,
        principalId: 'p-1',
      },
    };
    assert.deepEqual(
      await driven({ method: 'PUT', path: assignment, body: grant }, false),
      recorded('RoleAssignmentTests.canCRUDRoleAssignment.json', (method, url) => method === 'PUT' && /\/roleAssignments\//i.test(url)),
    );
  });

  it('refuses, as AKS does, a PUT that changes a field that cannot change in place, even on a Failed cluster', async () => {
    await driven({ method: 'PUT', path: clusterPath, body: cluster }, false);
    const resized = {
      ...cluster,
      properties: { ...cluster.properties, agentPoolProfiles: [{ ...cluster.properties.agentPoolProfiles[0], vmSize: 'Standard_D4s_v5' }] },
    };
    const response = await fetch(`${arm.url}${clusterPath}`, { method: 'PUT', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify(resized) });
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'PropertyChangeNotAllowed');
  });
});
