import * as crypto from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { RecordedRequest } from '../harness/fake-server';
import type { Fake } from '../harness/fake-worker';

/**
 * A fake of Azure Resource Manager for what ProvisionAks uses, shaped after the
 * recordings in ../shared/data/arm-recordings: AKS PUT answers 201 with an
 * Azure-AsyncOperation URL polled InProgress then Succeeded; storage PUT answers
 * 202 with a new Location and Retry-After on every poll, then 200 with the account;
 * registry PUT answers 200; role assignments answer 409 RoleAssignmentExists and, for a
 * principal just created, 400 PrincipalNotFound a few times. Faults can be injected
 * (429 with Retry-After, 500, a Failed operation); expired bearer tokens get 401.
 */
export interface ArmOptions {
  subscriptionId: string;
  /** Polls an operation stays InProgress (AKS) or 202 (storage, deletes). */
  polls?: number;
  /** Retry-After seconds on storage and delete polls. */
  retryAfter?: number;
  /** Registry and storage names already taken by someone else. */
  takenNames?: string[];
  /** PUTs of a role assignment for a new principal answered PrincipalNotFound first. */
  principalNotFoundTimes?: number;
  /** The token audience Resource Manager accepts (the `aud` claim, trailing slash ignored); any when unset. */
  audience?: string;
  /** Azure Stack Hub's anonymous metadata endpoint (`/metadata/endpoints`), when set. */
  stackMetadata?: { loginEndpoint: string; audiences: string[] };
  /** System pool VM sizes whose cluster create is accepted, then fails (VMSizeNotSupported), leaving the cluster Failed. */
  unsupportedVmSizes?: string[];
  /** Milliseconds each kind of write takes before it finishes (for the benchmark). */
  latencyMs?: Partial<Record<'managedClusters' | 'registries' | 'storageAccounts' | 'containers' | 'roleAssignments' | 'resourcegroups', number>>;
}

interface Fault {
  match: string;
  status: number;
  times: number;
  retryAfter?: number;
  code?: string;
}

interface Operation {
  pollsLeft: number;
  notBefore: number;
  failed?: { code: string; message: string };
  finish: () => unknown;
  /** Runs when the operation ends as failed (the resource keeps provisioningState Failed). */
  fail?: () => void;
  kind: 'async' | 'location';
}

const send = (res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-ms-request-id': crypto.randomUUID(), ...headers });
  res.end(body === undefined ? '' : JSON.stringify(body));
};
const armError = (res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}) =>
  send(res, status, { error: { code, message } }, headers);

export function createFake(options: ArmOptions): Fake {
  const resources = new Map<string, Record<string, any>>();
  const operations = new Map<string, Operation>();
  const faults: Fault[] = [];
  const principalAttempts = new Map<string, number>();
  const polls = options.polls ?? 2;
  const sub = options.subscriptionId.toLowerCase();
  const key = (id: string) => id.toLowerCase().replace(/\/+$/, '');
  const latency = (kind: keyof NonNullable<ArmOptions['latencyMs']>) => options.latencyMs?.[kind] ?? 0;

  function operation(
    baseUrl: string,
    kind: Operation['kind'],
    location: string,
    provider: string,
    delayMs: number,
    finish: () => unknown,
    failed?: Operation['failed'],
    fail?: () => void,
  ): Record<string, string> {
    const id = crypto.randomUUID();
    operations.set(id, { pollsLeft: polls, notBefore: Date.now() + delayMs, finish, kind, failed, fail });
    if (kind === 'async') {
      // As recorded: one Azure-AsyncOperation URL for every poll, and no Retry-After.
      return { 'azure-asyncoperation': `${baseUrl}/subscriptions/${sub}/providers/${provider}/locations/${location}/operations/${id}?api-version=2017-08-31` };
    }
    return {
      location: `${baseUrl}/subscriptions/${sub}/providers/${provider}/locations/${location}/asyncoperations/${id}?monitor=true&api-version=2024-01-01&t=${Date.now()}`,
      'retry-after': String(options.retryAfter ?? 0),
    };
  }

  function tokenProblem(request: RecordedRequest): string | undefined {
    const auth = String(request.headers.authorization ?? '');
    if (!auth.startsWith('Bearer ')) return 'AuthenticationFailed';
    try {
      const claims = JSON.parse(Buffer.from(auth.slice(7).split('.')[1], 'base64url').toString('utf8'));
      if (claims.exp * 1000 < Date.now()) return 'ExpiredAuthenticationToken';
      if (options.audience && String(claims.aud).replace(/\/+$/, '') !== options.audience.replace(/\/+$/, '')) return 'InvalidAuthenticationTokenAudience';
    } catch {
      return 'InvalidAuthenticationToken';
    }
    return undefined;
  }

  return {
    handle(request: RecordedRequest, res: ServerResponse, baseUrl: string) {
      // Azure Stack Hub answers its cloud's metadata without a token.
      if (request.method === 'GET' && request.path === '/metadata/endpoints' && options.stackMetadata)
        return send(res, 200, {
          galleryEndpoint: `${baseUrl}/`,
          graphEndpoint: `${baseUrl}/`,
          portalEndpoint: `${baseUrl}/`,
          authentication: options.stackMetadata,
        });
      const token = tokenProblem(request);
      if (token)
        return armError(res, 401, token, 'The access token is missing, invalid or expired.', {
          'www-authenticate': 'Bearer authorization_uri="https://login.microsoftonline.com/common"',
        });
      if (!request.query['api-version'])
        return armError(res, 400, 'MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.');
      const fault = faults.find((f) => f.code !== 'FailOperation' && new RegExp(f.match, 'i').test(`${request.method} ${request.path}`) && f.times > 0);
      if (fault) {
        fault.times--;
        return armError(
          res,
          fault.status,
          fault.code ?? (fault.status === 429 ? 'TooManyRequests' : 'InternalServerError'),
          'Injected fault.',
          fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {},
        );
      }
      const path = request.path.replace(/\/+$/, '');
      const lower = path.toLowerCase();

      // Polls of long-running operations.
      const opMatch = /\/(?:operations|asyncoperations|operationresults)\/([0-9a-f-]{36})$/.exec(lower);
      if (opMatch && request.method === 'GET') {
        const op = operations.get(opMatch[1]);
        if (!op) return armError(res, 404, 'OperationNotFound', 'The operation was not found.');
        if (op.pollsLeft > 0 || Date.now() < op.notBefore) {
          op.pollsLeft--;
          if (op.kind === 'async') return send(res, 200, { status: 'InProgress' });
          return send(res, 202, undefined, {
            location: `${baseUrl}${path}?monitor=true&api-version=2024-01-01&t=${Date.now()}`,
            'retry-after': String(options.retryAfter ?? 0),
          });
        }
        operations.delete(opMatch[1]);
        if (op.failed) {
          op.fail?.();
          return op.kind === 'async' ? send(res, 200, { status: 'Failed', error: op.failed }) : armError(res, 400, op.failed.code, op.failed.message);
        }
        const result = op.finish();
        return op.kind === 'async' ? send(res, 200, { status: 'Succeeded' }) : send(res, 200, result);
      }

      if (request.method === 'GET' && lower === `/subscriptions/${sub}`) {
        return send(res, 200, { id: `/subscriptions/${sub}`, subscriptionId: sub, displayName: 'GitOps', state: 'Enabled', tenantId: 'tenant' });
      }
      if (!lower.startsWith(`/subscriptions/${sub}`))
        return armError(res, 404, 'SubscriptionNotFound', `The subscription '${path.split('/')[2]}' could not be found.`);

      const body = request.body ? JSON.parse(request.body) : {};
      if (request.method === 'POST' && /\/providers\/microsoft\.(containerregistry|storage)\/checknameavailability$/.test(lower)) {
        const taken =
          (options.takenNames ?? []).includes(body.name) ||
          [...resources.values()].some((r) => r.name === body.name && r.type?.toLowerCase() === String(body.type).toLowerCase());
        return send(
          res,
          200,
          taken ? { nameAvailable: false, reason: 'AlreadyExists', message: `The name ${body.name} is already in use.` } : { nameAvailable: true },
        );
      }

      const rgMatch = /^\/subscriptions\/[^/]+\/resourcegroups\/([^/]+)/.exec(lower);
      if (!rgMatch) return armError(res, 404, 'NotFound', `No route for ${request.method} ${path}`);
      const rgId = key(`/subscriptions/${sub}/resourceGroups/${rgMatch[1]}`);
      const rgExists = resources.has(rgId);
      const id = key(path);

      if (lower === rgId) {
        if (request.method === 'GET' || request.method === 'HEAD')
          return rgExists
            ? send(res, 200, resources.get(rgId))
            : armError(res, 404, 'ResourceGroupNotFound', `Resource group '${path.split('/')[4]}' could not be found.`);
        if (request.method === 'PUT') {
          const existed = rgExists;
          resources.set(rgId, {
            id: `/subscriptions/${sub}/resourceGroups/${path.split('/')[4]}`,
            name: path.split('/')[4],
            type: 'Microsoft.Resources/resourceGroups',
            location: body.location,
            tags: body.tags ?? {},
            properties: { provisioningState: 'Succeeded' },
          });
          return send(res, existed ? 200 : 201, resources.get(rgId));
        }
        if (request.method === 'DELETE') {
          if (!rgExists) return send(res, 204);
          const headers = operation(baseUrl, 'location', 'eastus', 'Microsoft.Resources', latency('resourcegroups'), () => {
            for (const k of [...resources.keys()]) if (k === rgId || k.startsWith(`${rgId}/`)) resources.delete(k);
          });
          return send(res, 202, undefined, headers);
        }
      }
      if (!rgExists && request.method !== 'GET')
        return armError(res, 404, 'ResourceGroupNotFound', `Resource group '${path.split('/')[4]}' could not be found.`);

      // A role assignment is an extension resource under any scope: match it before its scope's type.
      const type =
        /\/providers\/microsoft\.(authorization\/roleassignments)\/([^/]+)()$/.exec(lower) ??
        /\/providers\/microsoft\.(containerservice\/managedclusters|containerregistry\/registries|storage\/storageaccounts)\/([^/]+)(\/.*)?$/.exec(lower);
      if (!type) return armError(res, 404, 'NotFound', `No route for ${request.method} ${path}`);
      const [, kind, , rest = ''] = type;
      const baseId = key(path.slice(0, path.length - rest.length));
      const stored = resources.get(baseId);

      if (kind === 'containerservice/managedclusters') {
        if (rest === '/listclusterusercredential' && request.method === 'POST') {
          if (!stored) return armError(res, 404, 'ResourceNotFound', 'The cluster was not found.');
          const token = crypto.randomBytes(32).toString('hex');
          const kubeconfig = `apiVersion: v1\nkind: Config\nclusters:\n- name: ${stored.name}\n  cluster:\n    server: https://${stored.properties.fqdn}:443\n    certificate-authority-data: ${Buffer.from('fake-ca').toString('base64')}\ncontexts:\n- name: ${stored.name}\n  context:\n    cluster: ${stored.name}\n    user: clusterUser_${stored.name}\ncurrent-context: ${stored.name}\nusers:\n- name: clusterUser_${stored.name}\n  user:\n    token: ${token}\n`;
          return send(res, 200, { kubeconfigs: [{ name: 'clusterUser', value: Buffer.from(kubeconfig).toString('base64') }] });
        }
        if (request.method === 'GET')
          return stored
            ? send(res, 200, stored)
            : armError(
                res,
                404,
                'ResourceNotFound',
                `The Resource 'Microsoft.ContainerService/managedClusters/${path.split('/').pop()}' under resource group '${path.split('/')[4]}' was not found.`,
              );
        if (request.method === 'PUT') {
          const name = path.split('/').pop()!;
          const previous = stored ?? {};
          // Fields AKS refuses to change on an existing cluster, whatever its state (Failed included).
          const vmSize = (cluster: any) => String(cluster?.properties?.agentPoolProfiles?.[0]?.vmSize ?? '').toLowerCase();
          if (stored && body.properties?.dnsPrefix && body.properties.dnsPrefix !== stored.properties.dnsPrefix)
            return armError(res, 400, 'PropertyChangeNotAllowed', "Changing property 'dnsPrefix' is not allowed.");
          if (stored && vmSize(body) && vmSize(body) !== vmSize(stored))
            return armError(res, 400, 'PropertyChangeNotAllowed', "Changing property 'properties.agentPoolProfile.vmSize' is not allowed.");
          const next = {
            ...previous,
            ...body,
            id: path,
            name,
            type: 'Microsoft.ContainerService/ManagedClusters',
            properties: { ...(previous.properties ?? {}), ...body.properties, provisioningState: stored ? 'Updating' : 'Creating' },
          };
          next.properties.kubernetesVersion ??= '1.35.2';
          next.properties.currentKubernetesVersion = next.properties.kubernetesVersion;
          next.properties.fqdn = `${next.properties.dnsPrefix}-${crypto.createHash('sha1').update(path).digest('hex').slice(0, 8)}.hcp.${body.location}.azmk8s.io`;
          next.properties.identityProfile = {
            kubeletidentity: {
              objectId: crypto
                .createHash('md5')
                .update(`kubelet${path}`)
                .digest('hex')
                .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5'),
              clientId: crypto.randomUUID(),
              resourceId: `${path}-agentpool`,
            },
          };
          if (next.properties.oidcIssuerProfile?.enabled)
            next.properties.oidcIssuerProfile.issuerURL = `https://${body.location}.oic.prod-aks.azure.com/tenant/${crypto.createHash('sha1').update(path).digest('hex').slice(0, 12)}/`;
          resources.set(baseId, next);
          const failOn = faults.find((f) => f.code === 'FailOperation' && f.times > 0 && /managedclusters/i.test(f.match));
          if (failOn) failOn.times--;
          const unsupported = (options.unsupportedVmSizes ?? []).find((size) => size.toLowerCase() === vmSize(body));
          const failure = unsupported
            ? { code: 'VMSizeNotSupported', message: `The VM size of ${unsupported} is not supported in the location ${body.location}.` }
            : failOn
              ? { code: 'ReconcileVMSSAgentPoolFailed', message: 'Agent pool creation failed: the VM size is not available in this region.' }
              : undefined;
          const headers = operation(
            baseUrl,
            'async',
            body.location,
            'Microsoft.ContainerService',
            latency('managedClusters'),
            () => {
              next.properties.provisioningState = 'Succeeded';
            },
            failure,
            () => {
              next.properties.provisioningState = 'Failed';
            },
          );
          return send(res, stored ? 200 : 201, next, headers);
        }
        if (request.method === 'DELETE') {
          if (!stored) return send(res, 204);
          stored.properties.provisioningState = 'Deleting';
          // As recorded: 202 with both Azure-AsyncOperation (polled) and Location (operationresults, never read).
          const headers = operation(baseUrl, 'async', stored.location, 'Microsoft.ContainerService', latency('managedClusters'), () =>
            resources.delete(baseId),
          );
          const id = /operations\/([0-9a-f-]{36})/.exec(headers['azure-asyncoperation'])![1];
          return send(res, 202, undefined, {
            ...headers,
            location: `${baseUrl}/subscriptions/${sub}/providers/Microsoft.ContainerService/locations/${stored.location}/operationresults/${id}?api-version=2017-08-31`,
          });
        }
      }

      if (kind === 'containerregistry/registries') {
        if (request.method === 'DELETE') {
          for (const k of [...resources.keys()]) if (k === baseId || k.startsWith(`${baseId}/`)) resources.delete(k);
          return send(res, stored ? 200 : 204);
        }
        if (request.method === 'GET')
          return stored
            ? send(res, 200, stored)
            : armError(res, 404, 'ResourceNotFound', `The Resource 'Microsoft.ContainerRegistry/registries/${path.split('/').pop()}' was not found.`);
        if (request.method === 'PUT') {
          const name = path.split('/').pop()!;
          const next = {
            ...(stored ?? {}),
            ...body,
            id: path,
            name,
            type: 'Microsoft.ContainerRegistry/registries',
            sku: { name: body.sku?.name, tier: body.sku?.name },
            properties: { ...(stored?.properties ?? {}), ...body.properties, loginServer: `${name.toLowerCase()}.azurecr.io`, provisioningState: 'Succeeded' },
          };
          return new Promise<void>((resolve) =>
            setTimeout(() => {
              resources.set(baseId, next);
              send(res, 200, next);
              resolve();
            }, latency('registries')),
          );
        }
      }

      if (kind === 'storage/storageaccounts') {
        if (rest === '/listkeys' && request.method === 'POST') {
          if (!stored) return armError(res, 404, 'ResourceNotFound', 'The storage account was not found.');
          return send(res, 200, {
            keys: [
              { keyName: 'key1', value: stored.__key, permissions: 'FULL' },
              { keyName: 'key2', value: crypto.createHash('sha256').update(stored.__key).digest('base64'), permissions: 'FULL' },
            ],
          });
        }
        const container = /^\/blobservices\/default\/containers\/([^/]+)$/.exec(rest);
        if (container) {
          const existing = resources.get(id);
          if (request.method === 'GET')
            return existing ? send(res, 200, existing) : armError(res, 404, 'ContainerNotFound', 'The specified container does not exist.');
          if (request.method === 'PUT') {
            if (!stored) return armError(res, 404, 'ResourceNotFound', 'The storage account was not found.');
            const next = {
              id: path,
              name: path.split('/').pop(),
              type: 'Microsoft.Storage/storageAccounts/blobServices/containers',
              properties: { publicAccess: body.properties?.publicAccess ?? 'None' },
            };
            return new Promise<void>((resolve) =>
              setTimeout(() => {
                resources.set(id, next);
                send(res, existing ? 200 : 201, next);
                resolve();
              }, latency('containers')),
            );
          }
        }
        if (!rest) {
          if (request.method === 'GET')
            return stored
              ? send(res, 200, { ...stored, __key: undefined })
              : armError(res, 404, 'ResourceNotFound', `The Resource 'Microsoft.Storage/storageAccounts/${path.split('/').pop()}' was not found.`);
          if (request.method === 'PUT') {
            const name = path.split('/').pop()!;
            const next = {
              ...(stored ?? {}),
              ...body,
              id: path,
              name,
              type: 'Microsoft.Storage/storageAccounts',
              __key: stored?.__key ?? crypto.randomBytes(64).toString('base64'),
              properties: {
                ...(stored?.properties ?? {}),
                ...body.properties,
                provisioningState: 'Succeeded',
                primaryEndpoints: { blob: `https://${name}.blob.core.windows.net/` },
              },
            };
            if (stored) {
              resources.set(baseId, next);
              return send(res, 200, { ...next, __key: undefined });
            }
            return send(
              res,
              202,
              undefined,
              operation(baseUrl, 'location', body.location, 'Microsoft.Storage', latency('storageAccounts'), () => {
                resources.set(baseId, next);
                return { ...next, __key: undefined };
              }),
            );
          }
          if (request.method === 'DELETE') {
            for (const k of [...resources.keys()]) if (k === baseId || k.startsWith(`${baseId}/`)) resources.delete(k);
            return send(res, 200);
          }
        }
      }

      if (kind === 'authorization/roleassignments') {
        if (request.method === 'DELETE') {
          if (!stored) return send(res, 204);
          resources.delete(baseId);
          return send(res, 200, stored);
        }
        if (request.method === 'GET')
          return stored ? send(res, 200, stored) : armError(res, 404, 'RoleAssignmentNotFound', 'The role assignment was not found.');
        if (request.method === 'PUT') {
          const principal = String(body.properties?.principalId);
          const scope = key(path.slice(0, path.toLowerCase().indexOf('/providers/microsoft.authorization/')));
          const duplicate = [...resources.values()].find(
            (r) =>
              r.type === 'Microsoft.Authorization/roleAssignments' &&
              r.properties.principalId === principal &&
              r.properties.roleDefinitionId === body.properties?.roleDefinitionId &&
              key(r.properties.scope) === scope &&
              key(r.id) !== baseId,
          );
          if (duplicate) return armError(res, 409, 'RoleAssignmentExists', 'The role assignment already exists.');
          const attempts = (principalAttempts.get(principal) ?? 0) + 1;
          principalAttempts.set(principal, attempts);
          if (attempts <= (options.principalNotFoundTimes ?? 0))
            return armError(
              res,
              400,
              'PrincipalNotFound',
              `Principal ${principal.replace(/-/g, '')} does not exist in the directory tenant. Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay.`,
            );
          const next = {
            id: path,
            name: path.split('/').pop(),
            type: 'Microsoft.Authorization/roleAssignments',
            properties: { ...body.properties, scope: path.slice(0, path.toLowerCase().indexOf('/providers/microsoft.authorization/')) },
          };
          return new Promise<void>((resolve) =>
            setTimeout(() => {
              resources.set(baseId, next);
              send(res, stored ? 200 : 201, next);
              resolve();
            }, latency('roleAssignments')),
          );
        }
      }
      return armError(res, 405, 'MethodNotAllowed', `${request.method} is not supported on ${path}`);
    },
    control(message: unknown) {
      const { fault, state } = message as { fault?: Fault; state?: boolean };
      if (fault) faults.push(fault);
      if (state) return [...resources.values()].map((r) => ({ id: r.id, type: r.type, properties: r.properties, tags: r.tags, sku: r.sku }));
      return undefined;
    },
  };
}
