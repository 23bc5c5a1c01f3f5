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

/** Each cloud's Resource Manager, Entra authority and Resource Manager token audience (activeDirectoryServiceEndpointResourceId). */
const KNOWN_CLOUDS: Record<string, { arm: string; authority: string; audience: string }> = {
  azurecloud: { arm: 'https://management.azure.com/', authority: 'https://login.microsoftonline.com/', audience: 'https://management.core.windows.net/' },
  azureusgovernment: {
    arm: 'https://management.usgovcloudapi.net/',
    authority: 'https://login.microsoftonline.us/',
    audience: 'https://management.core.usgovcloudapi.net/',
  },
  azurechinacloud: {
    arm: 'https://management.chinacloudapi.cn/',
    authority: 'https://login.chinacloudapi.cn/',
    audience: 'https://management.core.chinacloudapi.cn/',
  },
};
/** Azure Stack Hub's metadata answer is small; anything bigger is not it. */
const MAX_METADATA_BYTES = 1024 * 1024;

const withSlash = (url: string) => (url.endsWith('/') ? url : `${url}/`);

/**
 * Reads an AzureRM service connection the way Microsoft's tasks do: the scheme
 * picks the credential, ENDPOINT_URL_<id> is Resource Manager, the
 * `activeDirectoryAuthority` data is Entra, and the subscription comes from the
 * connection unless `subscriptionOverride` is given. The token audience is the connection's
 * `activeDirectoryServiceEndpointResourceId`, else its cloud's; a cloud we do not know (Azure
 * Stack Hub) names its authority and audience in `<Resource Manager>/metadata/endpoints`.
 */
export async function azureConnectionFrom(
  host: TaskHost,
  connectionInput: string,
  connectionId: string,
  subscriptionOverride?: string,
): Promise<AzureConnection> {
  const endpoint = host.getEndpoint(connectionId);
  if (!endpoint) {
    throw new UserError(
      `Input '${connectionInput}': service connection '${connectionId}' was not found. Check that it exists and that this pipeline is authorized to use it.`,
    );
  }
  const environment = endpoint.data('environment') ?? 'AzureCloud';
  const cloud = KNOWN_CLOUDS[environment.toLowerCase()];
  const resourceManagerUrl = withSlash(endpoint.url || endpoint.data('environmentUrl') || cloud?.arm || '');
  if (!resourceManagerUrl.startsWith('https://')) {
    throw new UserError(`Service connection '${connectionId}' (environment ${environment}) has no https Resource Manager URL.`);
  }
  let authority = endpoint.data('activeDirectoryAuthority') || endpoint.data('environmentAuthorityUrl') || cloud?.authority;
  let audience = endpoint.data('activeDirectoryServiceEndpointResourceId') || cloud?.audience;
  if (!authority || !audience) {
    const metadata = await cloudMetadata(resourceManagerUrl, connectionId);
    authority ||= metadata.loginEndpoint;
    audience ||= metadata.audience;
  }
  const authorityHost = withSlash(authority);
  if (!authorityHost.startsWith('https://')) {
    throw new UserError(`Service connection '${connectionId}' (environment ${environment}) has no https Entra authority.`);
  }
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

/** Azure Stack Hub's (and any custom cloud's) sign-in endpoint and Resource Manager audience. */
async function cloudMetadata(resourceManagerUrl: string, connectionId: string): Promise<{ loginEndpoint: string; audience: string }> {
  const url = `${resourceManagerUrl}metadata/endpoints?api-version=2015-01-01`;
  const problem = (why: string) =>
    new UserError(
      `Service connection '${connectionId}' names no Entra authority or token audience, and ${url} ${why}: set the connection's environment, or its activeDirectoryAuthority and activeDirectoryServiceEndpointResourceId.`,
    );
  let text: string;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
    if (!response.ok) throw problem(`answered HTTP ${response.status}`);
    if (Number(response.headers.get('content-length') ?? 0) > MAX_METADATA_BYTES) throw problem('answered more than 1 MB');
    text = await response.text();
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw problem(`could not be read (${error instanceof Error ? error.message : String(error)})`);
  }
  if (text.length > MAX_METADATA_BYTES) throw problem('answered more than 1 MB');
  let parsed: { authentication?: { loginEndpoint?: unknown; audiences?: unknown } };
  try {
    parsed = JSON.parse(text);
  } catch {
    throw problem('did not answer JSON');
  }
  const loginEndpoint = parsed.authentication?.loginEndpoint;
  const audiences = parsed.authentication?.audiences;
  const audience = Array.isArray(audiences) ? audiences[0] : undefined;
  if (typeof loginEndpoint !== 'string' || typeof audience !== 'string') throw problem('names no authentication.loginEndpoint and audiences');
  return { loginEndpoint, audience };
}

export type { ServiceEndpoint };
