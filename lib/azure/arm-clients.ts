import { ResourceManagementClient } from '@azure/arm-resources';
import { AuthorizationManagementClient } from '@azure/arm-authorization';
import { ContainerRegistryManagementClient } from '@azure/arm-containerregistry';
import { ContainerServiceClient } from '@azure/arm-containerservice';
import { StorageManagementClient } from '@azure/arm-storage';
import type { AzureConnection } from './azure-connection';

/** The Azure SDK clients provisioning uses, all pointed at the connection's Resource Manager and scope. */
export interface ArmClients {
  resources: ResourceManagementClient;
  aks: ContainerServiceClient;
  acr: ContainerRegistryManagementClient;
  storage: StorageManagementClient;
  authorization: AuthorizationManagementClient;
  /** Long-running operation poll interval when the service gives no Retry-After (the SDKs' default is 2 s). */
  pollIntervalMs: number;
}

export function armClients(connection: AzureConnection, pollIntervalMs = 2000): ArmClients {
  const endpoint = connection.resourceManagerUrl.replace(/\/$/, '');
  // One audience for every client: the classic clients (resources, authorization) read
  // `credentialScopes`, the generated ones (containerservice, registry, storage) `credentials.scopes`,
  // and the latter fall back to the public cloud's audience when it is missing.
  const options = { endpoint, credentialScopes: [connection.scope], credentials: { scopes: [connection.scope] }, retryOptions: { maxRetries: 4 } };
  const { credential, subscriptionId } = connection;
  return {
    resources: new ResourceManagementClient(credential, subscriptionId, options),
    aks: new ContainerServiceClient(credential, subscriptionId, options),
    acr: new ContainerRegistryManagementClient(credential, subscriptionId, options),
    storage: new StorageManagementClient(credential, subscriptionId, options),
    authorization: new AuthorizationManagementClient(credential, subscriptionId, options),
    pollIntervalMs,
  };
}
