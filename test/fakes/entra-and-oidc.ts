import * as crypto from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { RecordedRequest } from '../harness/fake-server';
import type { Fake } from '../harness/fake-worker';

/**
 * A fake of the Entra ID v2.0 token endpoint (client credentials with a secret,
 * a certificate-signed assertion, or a federated assertion) and of Azure DevOps'
 * OIDC token request URI. It answers as the real services do, AADSTS codes included:
 * an expired or unknown assertion is refused, so a credential that reuses an old
 * OIDC token fails here as it would in Azure.
 */
export interface EntraOptions {
  tenantId: string;
  clients: Record<string, { secret?: string; certificatePem?: string; federated?: boolean }>;
  /** The System.AccessToken the OIDC endpoint accepts. */
  adoAccessToken?: string;
  oidcTokenLifetimeSeconds?: number;
  accessTokenLifetimeSeconds?: number;
}

const b64url = (value: object | Buffer) => (Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value))).toString('base64url');
const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

function send(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

function entraError(res: ServerResponse, status: number, error: string, code: string, text: string) {
  send(res, status, { error, error_description: `${code}: ${text} Trace ID: 00000000-0000-0000-0000-000000000000`, error_codes: [Number(code.slice(5))] });
}

export function createFake(options: EntraOptions): Fake {
  const issuedOidc = new Map<string, number>();
  let oidcSerial = 0;
  const oidcLifetime = options.oidcTokenLifetimeSeconds ?? 600;
  const accessLifetime = options.accessTokenLifetimeSeconds ?? 3600;

  function issueOidc(connectionId: string, baseUrl: string): string {
    const now = Math.floor(Date.now() / 1000);
    const payload = {
      iss: `${baseUrl}/oidc`,
      sub: `sc://org/project/${connectionId}`,
      aud: 'api://AzureADTokenExchange',
      iat: now,
      exp: now + oidcLifetime,
      jti: `${++oidcSerial}-${crypto.randomUUID()}`,
    };
    const token = `${b64url({ alg: 'RS256', typ: 'JWT' })}.${b64url(payload)}.${b64url(crypto.randomBytes(32))}`;
    issuedOidc.set(token, Date.now() + oidcLifetime * 1000);
    return token;
  }

  function checkCertificateAssertion(assertion: string, clientId: string, pem: string, tokenEndpoint: string): string | undefined {
    const [header, payload, signature] = assertion.split('.');
    if (!signature) return 'AADSTS50027: JWT token is invalid or malformed.';
    const head = decode(header);
    const claims = decode(payload);
    const key = new crypto.X509Certificate(pem).publicKey;
    const data = Buffer.from(`${header}.${payload}`);
    const sig = Buffer.from(signature, 'base64url');
    const valid =
      head.alg === 'PS256'
        ? crypto.verify('sha256', data, { key, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, sig)
        : crypto.verify('sha256', data, key, sig);
    if (!valid) return 'AADSTS700027: Client assertion failed signature validation.';
    if (claims.iss !== clientId || claims.sub !== clientId) return 'AADSTS700023: Client assertion audience or issuer is invalid.';
    if (claims.aud !== tokenEndpoint) return `AADSTS700212: No matching federated identity record found for presented assertion audience '${claims.aud}'.`;
    if (claims.exp * 1000 < Date.now()) return 'AADSTS700024: Client assertion is not within its valid time range.';
    return undefined;
  }

  return {
    handle(request: RecordedRequest, res: ServerResponse, baseUrl: string) {
      const oidc = /\/oidctoken$/.test(request.path);
      if (oidc) {
        if (request.method !== 'POST') return send(res, 405, { message: 'Method not allowed' });
        if (request.headers.authorization !== `Bearer ${options.adoAccessToken}`)
          return send(res, 401, { message: 'TF400813: The user is not authorized to access this resource.' });
        const connectionId = request.query.serviceConnectionId;
        if (!connectionId || !request.query['api-version']) return send(res, 400, { message: 'serviceConnectionId and api-version are required' });
        return send(res, 200, { oidcToken: issueOidc(connectionId, baseUrl) });
      }

      const match = /^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|oauth2\/v2\.0\/token)$/.exec(request.path);
      if (!match) return send(res, 404, { error: 'not_found' });
      const [, tenant, what] = match;
      if (tenant !== options.tenantId) return entraError(res, 400, 'invalid_tenant', 'AADSTS90002', `Tenant '${tenant}' not found.`);
      const tokenEndpoint = `${baseUrl}/${tenant}/oauth2/v2.0/token`;
      if (what.startsWith('v2.0')) {
        return send(res, 200, {
          token_endpoint: tokenEndpoint,
          issuer: `${baseUrl}/${tenant}/v2.0`,
          authorization_endpoint: `${baseUrl}/${tenant}/oauth2/v2.0/authorize`,
          end_session_endpoint: `${baseUrl}/${tenant}/oauth2/v2.0/logout`,
          jwks_uri: `${baseUrl}/${tenant}/discovery/v2.0/keys`,
          response_types_supported: ['code', 'id_token', 'token'],
          token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        });
      }
      if (request.method !== 'POST') return entraError(res, 405, 'invalid_request', 'AADSTS900561', 'The endpoint only accepts POST requests.');
      const form = new URLSearchParams(request.body);
      if (form.get('grant_type') !== 'client_credentials')
        return entraError(res, 400, 'unsupported_grant_type', 'AADSTS70003', 'The app requested an unsupported grant type.');
      const clientId = form.get('client_id') ?? '';
      const client = options.clients[clientId];
      if (!client)
        return entraError(res, 400, 'unauthorized_client', 'AADSTS700016', `Application with identifier '${clientId}' was not found in the directory.`);
      const scope = form.get('scope') ?? '';
      if (!scope.endsWith('/.default')) return entraError(res, 400, 'invalid_scope', 'AADSTS1002012', `The provided value for scope ${scope} is not valid.`);

      const secret = form.get('client_secret');
      const assertion = form.get('client_assertion');
      if (secret !== null) {
        if (secret !== client.secret) return entraError(res, 401, 'invalid_client', 'AADSTS7000215', 'Invalid client secret provided.');
      } else if (assertion !== null) {
        if (client.federated) {
          const expires = issuedOidc.get(assertion);
          if (expires === undefined)
            return entraError(res, 400, 'invalid_client', 'AADSTS700211', 'No matching federated identity record found for presented assertion issuer.');
          if (expires < Date.now()) return entraError(res, 400, 'invalid_client', 'AADSTS700024', 'Client assertion is not within its valid time range.');
        } else if (client.certificatePem) {
          const problem = checkCertificateAssertion(assertion, clientId, client.certificatePem, tokenEndpoint);
          if (problem) return entraError(res, 401, 'invalid_client', problem.slice(0, 13), problem.slice(15));
        } else {
          return entraError(res, 401, 'invalid_client', 'AADSTS7000218', "The request body must contain 'client_assertion' or 'client_secret'.");
        }
      } else {
        return entraError(res, 401, 'invalid_client', 'AADSTS7000218', "The request body must contain 'client_assertion' or 'client_secret'.");
      }
      // Round up: a token issued at x.999 s must still live its whole lifetime.
      const now = Math.ceil(Date.now() / 1000);
      const accessToken = `${b64url({ alg: 'RS256', typ: 'JWT' })}.${b64url({ aud: scope.replace('/.default', ''), tid: tenant, appid: clientId, iat: now, exp: now + accessLifetime })}.${b64url(crypto.randomBytes(32))}`;
      return send(res, 200, { token_type: 'Bearer', expires_in: accessLifetime, ext_expires_in: accessLifetime, access_token: accessToken });
    },
  };
}
