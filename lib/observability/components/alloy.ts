import type { StackOptions } from '../options';
import { configMap, ingress, type K8sObject, labels, secretEnv, service, statelessWorkload } from '../workload';

/**
 * Alloy's pipeline in its own syntax: pod logs read through the Kubernetes API
 * (so one replica collects each line once, no host mounts), OTLP from apps,
 * container metrics from the kubelets, Argo CD's metrics, profiles pushed by
 * apps; each forwarded only to the stores this render runs.
 */
export function alloyConfig(o: StackOptions): string {
  const has = (c: 'loki' | 'tempo' | 'prometheus' | 'pyroscope') => o.components.has(c);
  const blocks: string[] = ['logging {\n  level  = "info"\n  format = "logfmt"\n}'];
  if (has('loki')) {
    blocks.push(`discovery.kubernetes "pods" {
  role = "pod"
}

discovery.relabel "pod_logs" {
  targets = discovery.kubernetes.pods.targets
  rule {
    source_labels = ["__meta_kubernetes_namespace"]
    target_label  = "namespace"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_name"]
    target_label  = "pod"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_container_name"]
    target_label  = "container"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_label_app_kubernetes_io_name"]
    target_label  = "service_name"
  }
  rule {
    source_labels = ["__meta_kubernetes_namespace", "__meta_kubernetes_pod_label_app_kubernetes_io_name"]
    separator     = "/"
    target_label  = "job"
  }
}

loki.source.kubernetes "pods" {
  targets    = discovery.relabel.pod_logs.output
  forward_to = [loki.write.default.receiver]
}

loki.write "default" {
  endpoint {
    url = "http://loki:3100/loki/api/v1/push"
  }
}`);
  }
  const outputs = [
    has('prometheus') && '    metrics = [otelcol.exporter.otlphttp.prometheus.input]',
    has('loki') && '    logs    = [otelcol.exporter.otlphttp.loki.input]',
    has('tempo') && '    traces  = [otelcol.exporter.otlp.tempo.input]',
  ].filter(Boolean);
  if (outputs.length) {
    blocks.push(`otelcol.receiver.otlp "apps" {
  grpc {
    endpoint = "0.0.0.0:4317"
  }
  http {
    endpoint = "0.0.0.0:4318"
  }
  output {
${outputs.map((line) => String(line).replace(/\[.*\]/, '[otelcol.processor.batch.apps.input]')).join('\n')}
  }
}

otelcol.processor.batch "apps" {
  output {
${outputs.join('\n')}
  }
}`);
  }
  if (outputs.length && o.otlpAgents) {
    // Agents outside the cluster (pipeline traces) send here, with the token from the Secret.
    blocks.push(`otelcol.auth.bearer "agents" {
  token = sys.env("OTLP_TOKEN")
}

otelcol.receiver.otlp "agents" {
  http {
    endpoint = "0.0.0.0:4319"
    auth     = otelcol.auth.bearer.agents.handler
  }
  output {
${outputs.map((line) => String(line).replace(/\[.*\]/, '[otelcol.processor.batch.apps.input]')).join('\n')}
  }
}`);
  }
  if (has('tempo')) blocks.push('otelcol.exporter.otlp "tempo" {\n  client {\n    endpoint = "tempo:4317"\n    tls {\n      insecure = true\n    }\n  }\n}');
  if (has('loki')) blocks.push('otelcol.exporter.otlphttp "loki" {\n  client {\n    endpoint = "http://loki:3100/otlp"\n  }\n}');
  if (has('prometheus')) {
    blocks.push(`otelcol.exporter.otlphttp "prometheus" {
  client {
    endpoint = "http://prometheus:9090/api/v1/otlp"
  }
}

discovery.kubernetes "nodes" {
  role = "node"
}

discovery.relabel "cadvisor" {
  targets = discovery.kubernetes.nodes.targets
  rule {
    target_label = "__address__"
    replacement  = "kubernetes.default.svc:443"
  }
  rule {
    source_labels = ["__meta_kubernetes_node_name"]
    regex         = "(.+)"
    target_label  = "__metrics_path__"
    replacement   = "/api/v1/nodes/$1/proxy/metrics/cadvisor"
  }
  // Every node is scraped through the API server's address: without the node's name its series would collide on one instance.
  rule {
    source_labels = ["__meta_kubernetes_node_name"]
    target_label  = "node"
  }
  rule {
    source_labels = ["__meta_kubernetes_node_name"]
    target_label  = "instance"
  }
}

prometheus.scrape "cadvisor" {
  targets           = discovery.relabel.cadvisor.output
  scheme            = "https"
  bearer_token_file = "/var/run/secrets/kubernetes.io/serviceaccount/token"
  tls_config {
    ca_file = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"
  }
  forward_to = [prometheus.remote_write.default.receiver]
}

discovery.kubernetes "argocd_metrics" {
  role = "endpointslice"
  selectors {
    role  = "endpointslice"
    label = "app.kubernetes.io/part-of=argocd"
  }
}

// Only Argo CD's metrics ports (argocd-metrics, argocd-server-metrics, argocd-repo-server's metrics,
// the notifications and ApplicationSet controllers' metrics), not its API, gRPC or Redis ports.
discovery.relabel "argocd_metrics" {
  targets = discovery.kubernetes.argocd_metrics.targets
  rule {
    source_labels = ["__meta_kubernetes_endpointslice_port_name"]
    regex         = "metrics|http-metrics"
    action        = "keep"
  }
}

prometheus.scrape "argocd" {
  targets    = discovery.relabel.argocd_metrics.output
  forward_to = [prometheus.remote_write.default.receiver]
}

prometheus.remote_write "default" {
  endpoint {
    url = "http://prometheus:9090/api/v1/write"
  }
}`);
  }
  if (has('pyroscope')) {
    blocks.push(`pyroscope.receive_http "apps" {
  http {
    listen_address = "0.0.0.0"
    listen_port    = 4041
  }
  forward_to = [pyroscope.write.default.receiver]
}

pyroscope.write "default" {
  endpoint {
    url = "http://pyroscope:4040"
  }
}`);
  }
  return `${blocks.join('\n\n')}\n`;
}

/** Who may read what: pods and their logs, nodes' cAdvisor metrics, endpoint slices of Argo CD's metrics. Nothing is written. */
function rbac(o: StackOptions): K8sObject[] {
  const name = `gitops-stack-alloy-${o.namespace}`;
  const meta = (n: string) => ({ name: n, labels: labels('alloy') });
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { ...meta('alloy'), namespace: o.namespace } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: meta(name),
      rules: [
        { apiGroups: [''], resources: ['pods', 'nodes', 'namespaces', 'services'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [''], resources: ['pods/log', 'nodes/proxy'], verbs: ['get'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: meta(name),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: [{ kind: 'ServiceAccount', name: 'alloy', namespace: o.namespace }],
    },
  ];
}

/** The agents' endpoint: its own Service (a load balancer, or behind an Ingress with TLS), port 4319 only. */
function agentsEndpoint(o: StackOptions): K8sObject[] {
  if (!o.otlpAgents) return [];
  const exposed = service(o, 'alloy', [{ name: 'otlp-agents', port: 4319 }], o.otlpAgents.exposure === 'LoadBalancer' ? 'LoadBalancer' : 'ClusterIP');
  exposed.metadata!.name = 'alloy-agents';
  return o.otlpAgents.exposure === 'LoadBalancer' ? [exposed] : [exposed, ingress(o, 'alloy', 'alloy-agents', o.otlpAgents.host!, '/v1/', 'otlp-agents')];
}

export function alloy(o: StackOptions): K8sObject[] {
  const config = configMap(o, 'alloy', 'alloy-config', { 'config.alloy': alloyConfig(o) });
  return [
    ...rbac(o),
    ...agentsEndpoint(o),
    ...statelessWorkload(o, {
      component: 'alloy',
      args: [
        'run',
        '/etc/alloy/config.alloy',
        '--server.http.listen-addr=0.0.0.0:12345',
        '--storage.path=/var/lib/alloy/data',
        '--stability.level=generally-available',
      ],
      ports: [
        { name: 'http', port: 12345 },
        { name: 'otlp-grpc', port: 4317 },
        { name: 'otlp-http', port: 4318 },
        { name: 'profiles', port: 4041 },
        ...(o.otlpAgents ? [{ name: 'otlp-agents', port: 4319 }] : []),
      ],
      env: o.otlpAgents ? [secretEnv('OTLP_TOKEN', 'otlp-token')] : undefined,
      config,
      configPath: '/etc/alloy',
      user: 473,
      readinessPath: '/-/ready',
      serviceAccountName: 'alloy',
      extraVolumes: [{ volume: { name: 'data', emptyDir: {} }, mount: { name: 'data', mountPath: '/var/lib/alloy/data' } }],
    }),
  ];
}
