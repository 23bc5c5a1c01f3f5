import * as k8s from '@kubernetes/client-node';
import { grafanaUrl } from './components/grafana';
import type { StackOptions } from './options';
import { STACK_SECRET } from './workload';

/** The generated credentials an earlier apply stored (admin password, OTLP token), if any. */
export async function existingCredentials(config: k8s.KubeConfig, namespace: string): Promise<{ grafanaAdminPassword?: string; otlpToken?: string }> {
  const secret = await config
    .makeApiClient(k8s.CoreV1Api)
    .readNamespacedSecret({ name: STACK_SECRET, namespace })
    .catch((error: { code?: number }) => {
      if (error.code === 404) return undefined;
      throw error;
    });
  const decode = (key: string) => (secret?.data?.[key] ? Buffer.from(secret.data[key], 'base64').toString('utf8') : undefined);
  return { grafanaAdminPassword: decode('grafana-admin-password'), otlpToken: decode('otlp-token') };
}

/** A LoadBalancer Service's address (IP or host name), once the cloud has given it one. */
async function loadBalancerAddress(config: k8s.KubeConfig, namespace: string, name: string): Promise<string | undefined> {
  const service = await config.makeApiClient(k8s.CoreV1Api).readNamespacedService({ name, namespace });
  const ingress = service.status?.loadBalancer?.ingress?.[0];
  return ingress?.ip ?? ingress?.hostname;
}

/** Where agents outside the cluster reach the OTLP endpoint: the ingress host, or the load balancer once it has an address. */
export async function otlpAgentsEndpoint(config: k8s.KubeConfig, o: StackOptions): Promise<string | undefined> {
  if (!o.otlpAgents) return undefined;
  if (o.otlpAgents.exposure === 'Ingress') return `https://${o.otlpAgents.host}`;
  const address = await loadBalancerAddress(config, o.namespace, 'alloy-agents');
  return address ? `http://${address}:4319` : undefined;
}

/** The load balancer's address once it has one; otherwise the URL the render knows (ingress host or in-cluster service). */
export async function publicGrafanaUrl(config: k8s.KubeConfig, o: StackOptions): Promise<string> {
  if (o.grafana.exposure !== 'LoadBalancer') return grafanaUrl(o);
  const address = await loadBalancerAddress(config, o.namespace, 'grafana');
  return address ? `http://${address}:3000/` : grafanaUrl(o);
}
