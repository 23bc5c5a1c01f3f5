import * as k8s from '@kubernetes/client-node';
import { displayUrl } from '../display-url';
import { UserError } from '../user-error';
import { MiB, readTextFile } from '../read-text-file';
import type { ServiceEndpoint, TaskHost } from '../pipeline/task-host';
import { registerKubeconfigSecrets } from './kubeconfig-secrets';

/** Where a task gets cluster access: a kubeconfig file, or a Kubernetes service connection. */
export type ClusterAccess = { kind: 'kubeconfigFile'; path: string } | { kind: 'serviceConnection'; endpoint: ServiceEndpoint };

/**
 * A KubeConfig from a file or a Kubernetes service connection (Kubeconfig or
 * Service Account authorization). Every token, password and private key in it is
 * registered as a secret, one value at a time (setSecret refuses multi-line values).
 */
export function loadKubeConfig(access: ClusterAccess, setSecret: (value: string) => void): k8s.KubeConfig {
  const config = new k8s.KubeConfig();
  if (access.kind === 'kubeconfigFile') {
    const text = readTextFile(access.path, MiB, "Input 'kubeconfig'");
    registerKubeconfigSecrets(text, setSecret);
    config.loadFromString(text);
  } else {
    const { endpoint } = access;
    const parameters = endpoint.authorization.parameters;
    if (parameters.kubeconfig) {
      registerKubeconfigSecrets(parameters.kubeconfig, setSecret);
      config.loadFromString(parameters.kubeconfig);
      if (parameters.clusterContext) config.setCurrentContext(parameters.clusterContext);
    } else if (parameters.apitoken) {
      const token = Buffer.from(parameters.apitoken, 'base64').toString('utf8');
      setSecret(token);
      const ca = parameters.serviceAccountCertificate;
      config.loadFromOptions({
        clusters: [
          {
            name: 'cluster',
            server: endpoint.url ?? '',
            caData: ca ? Buffer.from(ca).toString('base64') : undefined,
            skipTLSVerify: parameters.acceptUntrustedCerts === 'true',
          },
        ],
        users: [{ name: 'service-account', token }],
        contexts: [{ name: 'default', cluster: 'cluster', user: 'service-account' }],
        currentContext: 'default',
      });
    } else {
      throw new UserError(`Kubernetes service connection '${endpoint.id}' has neither a kubeconfig nor a service account token.`);
    }
  }
  if (!config.getCurrentCluster()) throw new UserError('The kubeconfig names no current cluster.');
  refuseShellAuthProviders(config);
  return config;
}

/**
 * client-node refreshes the legacy `azure` and `gcp` auth-providers by running `cmd-path` and
 * `cmd-args` as one shell command line: a kubeconfig could run anything that way. kubectl dropped
 * both providers (1.26); an exec plugin does the same job and runs as an argument array.
 */
function refuseShellAuthProviders(config: k8s.KubeConfig): void {
  for (const user of config.users) {
    const provider = user.authProvider as { name?: string } | undefined;
    if (provider?.name === 'azure' || provider?.name === 'gcp')
      throw new UserError(
        `The kubeconfig's user '${user.name}' uses the legacy '${provider.name}' auth-provider, which kubectl no longer supports and which runs its command through a shell: ` +
          `convert it to an exec plugin (kubelogin convert-kubeconfig for AKS), or use clusterAccess serviceConnection.`,
      );
  }
}

/** The input that names the cluster: where an unreachable or refusing cluster is reported. */
export function clusterInput(inputs: { clusterAccess?: string }): string {
  return inputs.clusterAccess === 'serviceConnection' ? 'kubernetesServiceConnection' : 'kubeconfig';
}

/**
 * Fails before anything is changed when the cluster does not answer (wrong address, plain HTTP to
 * a TLS port, bad certificate, expired credentials): the error names the input and the server.
 */
export async function assertReachable(config: k8s.KubeConfig, input: string): Promise<void> {
  const server = displayUrl(config.getCurrentCluster()?.server ?? '');
  await config
    .makeApiClient(k8s.VersionApi)
    .getCode()
    .catch((error: Error & { code?: number }) => {
      const why = error.code === 401 || error.code === 403 ? `HTTP ${error.code}: the credentials are not accepted` : causeOf(error);
      throw new UserError(`Input '${input}': the cluster at ${server} cannot be reached (${why}); nothing was changed.`);
    });
}

/** What a failed request's own error says, without client-node's wrapping ("Failed to fetch …"). */
export function causeOf(error: unknown): string {
  const { code, cause, message } = error as { code?: unknown; cause?: { code?: string; message?: string }; message?: string };
  // node-fetch puts the system error code (ECONNREFUSED, CERT_HAS_EXPIRED) on the error, undici on its cause.
  return (typeof code === 'string' ? code : undefined) ?? cause?.code ?? cause?.message ?? message ?? String(error);
}

/** The cluster access a task's inputs name: `clusterAccess`, `kubeconfig`, `kubernetesServiceConnection`. */
export function kubeConfigFromInputs(
  host: TaskHost,
  inputs: { clusterAccess?: string; kubeconfig?: string; kubernetesServiceConnection?: string },
): k8s.KubeConfig {
  if (inputs.clusterAccess === 'serviceConnection') {
    const endpoint = host.getEndpoint(inputs.kubernetesServiceConnection ?? '');
    if (!endpoint) throw new UserError(`Input 'kubernetesServiceConnection': service connection '${inputs.kubernetesServiceConnection}' was not found.`);
    return loadKubeConfig({ kind: 'serviceConnection', endpoint }, (value) => host.setSecret(value));
  }
  return loadKubeConfig({ kind: 'kubeconfigFile', path: inputs.kubeconfig ?? '' }, (value) => host.setSecret(value));
}
