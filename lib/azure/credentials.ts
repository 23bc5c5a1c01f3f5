import {
  ClientAssertionCredential,
  ClientCertificateCredential,
  ClientSecretCredential,
  ManagedIdentityCredential,
  type AccessToken,
  type TokenCredential,
} from '@azure/identity';
import { UserError } from '../user-error';
import type { ServiceEndpoint, TaskHost } from '../pipeline/task-host';
import { requestOidcToken } from './oidc-token';

export type CredentialScheme = 'WorkloadIdentityFederation' | 'ServicePrincipalSecret' | 'ServicePrincipalCertificate' | 'ManagedServiceIdentity';

/**
 * The TokenCredential for a service connection's authorization scheme.
 * Workload identity federation asks the agent for a new OIDC token every time
 * Entra needs an assertion: one lives about ten minutes, an AKS create longer.
 */
export function credentialFor(
  host: TaskHost,
  endpoint: ServiceEndpoint,
  where: { tenantId: string; authorityHost: string },
): { credential: TokenCredential; scheme: CredentialScheme; clientId?: string } {
  const chosen = chooseCredential(host, endpoint, where);
  return { ...chosen, credential: oneRequestPerAudience(registeringTokens(host, endpoint.id, chosen.scheme, chosen.credential)) };
}

/** A token is reused while it has more than this left: MSAL's own refresh margin. */
const REUSE_MARGIN_MS = 5 * 60_000;

/**
 * One token request per audience: callers asking at the same moment (the SDK clients read
 * cluster, registry and storage in parallel) share one request, and a token is reused while it
 * has more than five minutes to live. A shorter-lived one is fetched again when asked for, so a
 * workload identity sign-in still gets a fresh OIDC assertion.
 */
function oneRequestPerAudience(inner: TokenCredential): TokenCredential {
  const entries = new Map<string, { pending: Promise<AccessToken | null>; token?: AccessToken | null }>();
  return {
    getToken(scopes, options) {
      const key = [scopes].flat().join(' ');
      const entry = entries.get(key);
      if (entry && !('token' in entry)) return entry.pending;
      if (entry?.token && entry.token.expiresOnTimestamp - Date.now() > REUSE_MARGIN_MS) return Promise.resolve(entry.token);
      const next: { pending: Promise<AccessToken | null>; token?: AccessToken | null } = { pending: inner.getToken(scopes, options) };
      entries.set(key, next);
      next.pending.then(
        (token) => (next.token = token),
        () => entries.delete(key),
      );
      return next.pending;
    },
  };
}

/** Registers every access token as a secret the moment it arrives, and turns sign-in failures into one clear message. */
function registeringTokens(host: TaskHost, connectionId: string, scheme: CredentialScheme, inner: TokenCredential): TokenCredential {
  return {
    async getToken(scopes, options) {
      try {
        const token = await inner.getToken(scopes, options);
        if (token) host.setSecret(token.token);
        return token;
      } catch (error) {
        if (error instanceof UserError) throw error;
        const detail = (error instanceof Error ? error.message : String(error)).split('\n')[0];
        throw new UserError(`Could not sign in to Azure with service connection '${connectionId}' (${scheme}): ${detail}`);
      }
    },
  };
}

function chooseCredential(
  host: TaskHost,
  endpoint: ServiceEndpoint,
  where: { tenantId: string; authorityHost: string },
): { credential: TokenCredential; scheme: CredentialScheme; clientId?: string } {
  const { scheme, parameters } = endpoint.authorization;
  // A local or sovereign authority is not on Entra's public instance list.
  const common = { authorityHost: where.authorityHost, disableInstanceDiscovery: true };
  const clientId = parameters.serviceprincipalid;
  const need = (value: string | undefined, what: string) => {
    if (!value) throw new UserError(`Service connection '${endpoint.id}' (${scheme}) has no ${what}.`);
    return value;
  };

  switch (scheme.toLowerCase()) {
    case 'workloadidentityfederation': {
      const getAssertion = async () => {
        const token = await requestOidcToken(host, endpoint.id);
        host.setSecret(token);
        return token;
      };
      return {
        scheme: 'WorkloadIdentityFederation',
        clientId,
        credential: new ClientAssertionCredential(where.tenantId, need(clientId, 'service principal id'), getAssertion, common),
      };
    }
    case 'serviceprincipal': {
      if ((parameters.authenticationType ?? 'spnKey').toLowerCase() === 'spncertificate') {
        const certificate = need(parameters.servicePrincipalCertificate ?? parameters.serviceprincipalcertificate, 'certificate');
        return {
          scheme: 'ServicePrincipalCertificate',
          clientId,
          credential: new ClientCertificateCredential(where.tenantId, need(clientId, 'service principal id'), { certificate }, common),
        };
      }
      return {
        scheme: 'ServicePrincipalSecret',
        clientId,
        credential: new ClientSecretCredential(
          where.tenantId,
          need(clientId, 'service principal id'),
          need(parameters.serviceprincipalkey, 'service principal key'),
          common,
        ),
      };
    }
    case 'managedserviceidentity': {
      const miClient = endpoint.data('msiClientId');
      return {
        scheme: 'ManagedServiceIdentity',
        clientId: miClient,
        credential: miClient ? new ManagedIdentityCredential({ clientId: miClient }) : new ManagedIdentityCredential(),
      };
    }
    default:
      throw new UserError(
        `Service connection '${endpoint.id}' uses authorization scheme '${scheme}', which this task does not support; use workload identity federation, a service principal, or a managed identity.`,
      );
  }
}
