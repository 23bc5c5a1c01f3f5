import type { TokenCredential } from '@azure/identity';
import { UserError } from '../user-error';
import type { ServiceEndpoint, TaskHost } from '../pipeline/task-host';
import { credentialFor, type CredentialScheme } from './credentials';

/** Everything an ARM client needs, read from an AzureRM service connection. */
export interface AzureConnection {
  credential: TokenCredential;
  scheme: CredentialScheme;
  tenantId: string;
  clientId?: string;
  subscriptionId: string;
  /** The Resource Manager endpoint, e.g. https://management.azure.com/ (other clouds and Azure Stack differ). */
  resourceManagerUrl: string;
  /** The Entra authority host, e.g. https://login.microsoftonline.com/. */
  authorityHost: string;
  /** The token scope for Resource Manager, e.g. https://management.azure.com/.default. */
  scope: string;
  environment: string;
}

const KNOWN_CLOUDS: Record<string, { arm: string; authority: string }> = {
  azurecloud: { arm: 'https://management.azure.com/', authority: 'https://login.microsoftonline.com/' },
  azureusgovernment: { arm: 'https://management.usgovcloudapi.net/', authority: 'https://login.microsoftonline.us/' },
  azurechinacloud: { arm: 'https://management.chinacloudapi.cn/', authority: 'https://login.chinacloudapi.cn/' },
};

const withSlash = (url: string) => (url.endsWith('/') ? url : `${url}/`);

/**
 * Reads an AzureRM service connection the way Microsoft's tasks do: the scheme
 * picks the credential, ENDPOINT_URL_<id> is Resource Manager, the
 * `activeDirectoryAuthority` data is Entra, and the subscription comes from the
 * connection unless `subscriptionOverride` is given.
 */
export function azureConnectionFrom(host: TaskHost, connectionInput: string, connectionId: string, subscriptionOverride?: string): AzureConnection {
  const endpoint = host.getEndpoint(connectionId);
  if (!endpoint) {
    throw new UserError(
      `Input '${connectionInput}': service connection '${connectionId}' was not found. Check that it exists and that this pipeline is authorized to use it.`,
    );
  }
  const environment = endpoint.data('environment') ?? 'AzureCloud';
  const cloud = KNOWN_CLOUDS[environment.toLowerCase()];
  const resourceManagerUrl = withSlash(endpoint.url || endpoint.data('environmentUrl') || cloud?.arm || '');
  const authorityHost = withSlash(endpoint.data('activeDirectoryAuthority') || endpoint.data('environmentAuthorityUrl') || cloud?.authority || '');
  if (!resourceManagerUrl.startsWith('https://') || !authorityHost.startsWith('https://')) {
    throw new UserError(`Service connection '${connectionId}' (environment ${environment}) has no https Resource Manager URL or Entra authority.`);
  }
  const audience = endpoint.data('activeDirectoryServiceEndpointResourceId') || resourceManagerUrl;
  const subscriptionId = subscriptionOverride || endpoint.data('subscriptionId') || '';
  if (!subscriptionId) {
    throw new UserError(`Service connection '${connectionId}' is scoped to no subscription: set the 'subscriptionId' input.`);
  }
  const tenantId = endpoint.authorization.parameters.tenantid ?? '';
  if (!tenantId) throw new UserError(`Service connection '${connectionId}' has no tenant id.`);

  const { credential, scheme, clientId } = credentialFor(host, endpoint, { tenantId, authorityHost });
  return {
    credential,
    scheme,
    tenantId,
    clientId,
    subscriptionId,
    resourceManagerUrl,
    authorityHost,
    scope: `${withSlash(audience)}.default`,
    environment,
  };
}

export type { ServiceEndpoint };
