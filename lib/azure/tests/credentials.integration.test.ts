import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startFakeServer, type FakeServer } from '../../../test/harness/fake-server';
import { ConsoleHost } from '../../pipeline/console-host';
import type { ServiceEndpoint } from '../../pipeline/task-host';
import { UserError } from '../../user-error';
import { azureConnectionFrom } from '../azure-connection';

const FAKE = path.resolve(__dirname, '..', '..', '..', 'test', 'fakes', 'entra-and-oidc.js');
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const SUBSCRIPTION = '1b2c3d4e-0000-4000-8000-00000000abcd';
const SECRET = 'sp-secret-Value~42';
const ADO_TOKEN = 'ado-system-access-token-123456';

function endpoint(id: string, scheme: string, parameters: Record<string, string>, data: Record<string, string>, url?: string): ServiceEndpoint {
  return { id, url, authorization: { scheme, parameters }, data: (key) => data[key] };
}

function makeCertificate(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spn-cert-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=gitops-spn',
      '-keyout',
      path.join(dir, 'key.pem'),
      '-out',
      path.join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  const pem = fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8') + fs.readFileSync(path.join(dir, 'key.pem'), 'utf8');
  fs.rmSync(dir, { recursive: true, force: true });
  return pem;
}

describe('Azure credentials from an AzureRM service connection (against a local Entra ID fake)', function () {
  let fake: FakeServer;
  let certificate: string;
  const data = () => ({ subscriptionId: SUBSCRIPTION, environment: 'AzureCloud', activeDirectoryAuthority: `${fake.url}/` });
  const arm = 'https://management.example.test/';

  before(() => {
    certificate = makeCertificate();
  });
  // Each test has its own Entra ID: the requests it counts are its own.
  beforeEach(async () => {
    fake = await startFakeServer(FAKE, {
      tenantId: TENANT,
      adoAccessToken: ADO_TOKEN,
      oidcTokenLifetimeSeconds: 1,
      // Shorter than MSAL's five-minute refresh margin: every getToken goes to Entra.
      accessTokenLifetimeSeconds: 120,
      clients: { 'spn-secret': { secret: SECRET }, 'spn-cert': { certificatePem: certificate }, 'spn-wif': { federated: true } },
    });
  });
  afterEach(() => fake.stop());

  it("signs in with a service principal secret at the connection's authority, for its Resource Manager scope", async () => {
    const host = new ConsoleHost({
      endpoints: {
        c1: endpoint(
          'c1',
          'ServicePrincipal',
          { tenantid: TENANT, serviceprincipalid: 'spn-secret', serviceprincipalkey: SECRET, authenticationType: 'spnKey' },
          data(),
          arm,
        ),
      },
    });
    const connection = await azureConnectionFrom(host, 'azureSubscription', 'c1');
    assert.equal(connection.scheme, 'ServicePrincipalSecret');
    assert.equal(connection.subscriptionId, SUBSCRIPTION);
    assert.equal(connection.resourceManagerUrl, arm);
    const token = await connection.credential.getToken(connection.scope);
    assert.ok(token?.token);
    assert.equal(host.mask(`Bearer ${token.token}`), 'Bearer ***', 'the access token is registered as a secret');
    const posted = (await fake.requests()).filter((r) => r.path.endsWith('/token')).pop()!;
    assert.equal(new URLSearchParams(posted.body).get('scope'), 'https://management.core.windows.net/.default', "the public cloud's Resource Manager audience");
    assert.equal(posted.path, `/${TENANT}/oauth2/v2.0/token`);
  });

  it('turns a refused secret into one message naming the connection and the Entra code', async () => {
    const host = new ConsoleHost({
      endpoints: {
        c2: endpoint(
          'c2',
          'ServicePrincipal',
          { tenantid: TENANT, serviceprincipalid: 'spn-secret', serviceprincipalkey: 'wrong-secret-1', authenticationType: 'spnKey' },
          data(),
          arm,
        ),
      },
    });
    const connection = await azureConnectionFrom(host, 'azureSubscription', 'c2');
    await assert.rejects(connection.credential.getToken(connection.scope), (error: Error) => {
      assert.ok(error instanceof UserError);
      assert.match(error.message, /^Could not sign in to Azure with service connection 'c2' \(ServicePrincipalSecret\): .*AADSTS7000215/);
      return true;
    });
  });

  it('signs in with a service principal certificate (the fake checks the assertion signature)', async () => {
    const host = new ConsoleHost({
      endpoints: {
        c3: endpoint(
          'c3',
          'ServicePrincipal',
          { tenantid: TENANT, serviceprincipalid: 'spn-cert', servicePrincipalCertificate: certificate, authenticationType: 'spnCertificate' },
          data(),
          arm,
        ),
      },
    });
    const connection = await azureConnectionFrom(host, 'azureSubscription', 'c3');
    assert.equal(connection.scheme, 'ServicePrincipalCertificate');
    const token = await connection.credential.getToken(connection.scope);
    assert.ok(token?.token);
    const keyLine = certificate.split('\n').find((l) => l.length > 40 && !l.startsWith('-----'))!;
    assert.equal(host.mask(keyLine), '***', 'each line of the PEM is registered');
  });

  it('fetches a fresh OIDC token from System.OidcRequestUri whenever Entra needs a new assertion', async () => {
    const host = new ConsoleHost({
      variables: {
        'System.OidcRequestUri': `${fake.url}/org/proj/_apis/distributedtask/hubs/build/plans/p1/jobs/j1/oidctoken`,
        'System.AccessToken': ADO_TOKEN,
      },
      endpoints: {
        wif1: endpoint(
          'wif1',
          'WorkloadIdentityFederation',
          { tenantid: TENANT, serviceprincipalid: 'spn-wif', workloadIdentityFederationSubject: 'sc://org/proj/wif1' },
          data(),
          arm,
        ),
      },
    });
    const connection = await azureConnectionFrom(host, 'azureSubscription', 'wif1');
    const before = (await fake.requests()).length;
    const first = await connection.credential.getToken(connection.scope);
    // The first OIDC token has expired by now; reusing it would be refused with AADSTS700024.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const second = await connection.credential.getToken(connection.scope);
    assert.ok(first?.token && second?.token);
    const oidc = (await fake.requests()).slice(before).filter((r) => r.path.endsWith('/oidctoken'));
    const tokenRequests = (await fake.requests()).slice(before).filter((r) => r.path.endsWith('/token'));
    assert.equal(tokenRequests.length, 2, 'two token requests reached Entra');
    assert.ok(oidc.length >= 2, 'each token request came with a newly requested OIDC token');
    for (const request of oidc) {
      assert.equal(request.method, 'POST');
      assert.equal(request.headers.authorization, `Bearer ${ADO_TOKEN}`);
      assert.equal(request.query.serviceConnectionId, 'wif1');
      assert.equal(request.query['api-version'], '7.1');
    }
    assert.equal(host.mask(ADO_TOKEN), '***');
  });

  it('explains what is missing when the agent gives no OIDC request URI', async () => {
    const host = new ConsoleHost({
      variables: { 'System.AccessToken': ADO_TOKEN },
      endpoints: { wif2: endpoint('wif2', 'WorkloadIdentityFederation', { tenantid: TENANT, serviceprincipalid: 'spn-wif' }, data(), arm) },
    });
    const connection = await azureConnectionFrom(host, 'azureSubscription', 'wif2');
    await assert.rejects(connection.credential.getToken(connection.scope), /System\.OidcRequestUri is not set/);
  });

  it('uses the cloud of the connection, an explicit subscription, and refuses what it cannot use', async () => {
    const gov = new ConsoleHost({
      endpoints: {
        g: endpoint(
          'g',
          'ServicePrincipal',
          { tenantid: TENANT, serviceprincipalid: 'x', serviceprincipalkey: 'y' },
          { environment: 'AzureUSGovernment', subscriptionId: SUBSCRIPTION },
        ),
      },
    });
    const connection = await azureConnectionFrom(gov, 'azureSubscription', 'g', '99999999-0000-4000-8000-000000000000');
    assert.equal(connection.resourceManagerUrl, 'https://management.usgovcloudapi.net/');
    assert.equal(connection.authorityHost, 'https://login.microsoftonline.us/');
    assert.equal(connection.scope, 'https://management.core.usgovcloudapi.net/.default', "the cloud's Resource Manager audience");
    assert.equal(connection.subscriptionId, '99999999-0000-4000-8000-000000000000');

    await assert.rejects(azureConnectionFrom(gov, 'azureSubscription', 'missing'), /Input 'azureSubscription': service connection 'missing' was not found/);
    const basic = new ConsoleHost({ endpoints: { b: endpoint('b', 'UsernamePassword', { tenantid: TENANT }, { subscriptionId: SUBSCRIPTION }, arm) } });
    await assert.rejects(
      azureConnectionFrom(basic, 'azureSubscription', 'b'),
      /uses authorization scheme 'UsernamePassword', which this task does not support/,
    );
  });
});
