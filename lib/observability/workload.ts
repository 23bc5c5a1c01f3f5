import { createHash } from 'node:crypto';
import type * as k8s from '@kubernetes/client-node';
import versions from '../../manifests/observability/versions.json';
import type { Component, StackOptions } from './options';

export type K8sObject = k8s.KubernetesObject & Record<string, unknown>;

/** Every object the task applies carries these; pruning and `delete` find its objects by them. */
export const INVENTORY_LABELS = { 'app.kubernetes.io/managed-by': 'gitops-stack', 'gitops-stack.dev/stack': 'observability' };
/** The label that tells installs in different namespaces apart, for their cluster-scoped objects too. */
export const NAMESPACE_LABEL = 'gitops-stack.dev/namespace';

/** The label selector of everything an apply made for the stack in this namespace. */
export function inventorySelector(namespace: string): string {
  return [...Object.entries(INVENTORY_LABELS), [NAMESPACE_LABEL, namespace]].map(([k, v]) => `${k}=${v}`).join(',');
}

export function image(component: Component): string {
  return versions[component];
}

export function labels(component: Component): Record<string, string> {
  return {
    'app.kubernetes.io/name': component,
    'app.kubernetes.io/part-of': 'gitops-stack-observability',
    'app.kubernetes.io/version': image(component).split(':').pop()!,
    ...INVENTORY_LABELS,
  };
}

/** What a component's Service and workload select its pods by (stable across versions, unlike `labels`). */
export function selectorLabels(component: Component): Record<string, string> {
  return { 'app.kubernetes.io/name': component, 'app.kubernetes.io/part-of': 'gitops-stack-observability' };
}

const SIZES: Record<StackOptions['profile'], Record<Component, [cpu: string, memory: string, memoryLimit: string]>> = {
  small: {
    loki: ['100m', '256Mi', '1Gi'],
    tempo: ['100m', '256Mi', '1Gi'],
    pyroscope: ['100m', '256Mi', '1Gi'],
    prometheus: ['100m', '512Mi', '2Gi'],
    alloy: ['50m', '128Mi', '512Mi'],
    grafana: ['50m', '128Mi', '512Mi'],
  },
  medium: {
    loki: ['500m', '1Gi', '4Gi'],
    tempo: ['500m', '1Gi', '4Gi'],
    pyroscope: ['250m', '1Gi', '4Gi'],
    prometheus: ['500m', '2Gi', '8Gi'],
    alloy: ['250m', '512Mi', '2Gi'],
    grafana: ['100m', '256Mi', '1Gi'],
  },
  large: {
    loki: ['2', '4Gi', '16Gi'],
    tempo: ['2', '4Gi', '16Gi'],
    pyroscope: ['1', '4Gi', '16Gi'],
    prometheus: ['2', '8Gi', '32Gi'],
    alloy: ['1', '2Gi', '8Gi'],
    grafana: ['500m', '512Mi', '2Gi'],
  },
};

export function resources(o: StackOptions, component: Component): k8s.V1ResourceRequirements {
  const [cpu, memory, memoryLimit] = SIZES[o.profile][component];
  return { requests: { cpu, memory }, limits: { memory: memoryLimit } };
}

export function configMap(o: StackOptions, component: Component, name: string, data: Record<string, string>): K8sObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: o.namespace, labels: labels(component) }, data };
}

export function service(o: StackOptions, component: Component, ports: { name: string; port: number }[], type = 'ClusterIP'): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: component, namespace: o.namespace, labels: labels(component) },
    spec: { type, selector: selectorLabels(component), ports: ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.name, protocol: 'TCP' })) },
  };
}

/** An Ingress for one host with TLS (its certificate in `<name>-tls`, from cert-manager or you), to one port of a Service. */
export function ingress(o: StackOptions, component: Component, name: string, host: string, path: string, port: string): K8sObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: o.namespace, labels: labels(component) },
    spec: {
      ingressClassName: o.grafana.ingressClass,
      tls: [{ hosts: [host], secretName: `${name}-tls` }],
      rules: [{ host, http: { paths: [{ path, pathType: 'Prefix', backend: { service: { name, port: { name: port } } } }] } }],
    },
  };
}

/** A hash of the configs a pod reads, so a changed config rolls the pods and an unchanged one does not. */
export function checksum(...configs: K8sObject[]): string {
  return createHash('sha256')
    .update(JSON.stringify(configs.map((c) => c.data)))
    .digest('hex')
    .slice(0, 16);
}

export interface WorkloadSpec {
  component: Component;
  args: string[];
  ports: { name: string; port: number }[];
  config: K8sObject;
  configPath: string;
  dataPath?: string;
  user: number;
  env?: k8s.V1EnvVar[];
  readinessPath: string;
  serviceAccountName?: string;
  extraVolumes?: { volume: k8s.V1Volume; mount: k8s.V1VolumeMount }[];
  /** Where the config's keys land below configPath, when not flat. */
  configItems?: k8s.V1KeyToPath[];
  /** Other ConfigMaps whose change must roll the pods too. */
  alsoChecksum?: K8sObject[];
}

function podTemplate(o: StackOptions, w: WorkloadSpec): k8s.V1PodTemplateSpec {
  const port = w.ports[0].name;
  return {
    metadata: { labels: labels(w.component), annotations: { 'gitops-stack.dev/config-checksum': checksum(w.config, ...(w.alsoChecksum ?? [])) } },
    spec: {
      serviceAccountName: w.serviceAccountName,
      automountServiceAccountToken: Boolean(w.serviceAccountName),
      securityContext: { runAsNonRoot: true, runAsUser: w.user, runAsGroup: w.user, fsGroup: w.user, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: w.component,
          image: image(w.component),
          args: w.args,
          env: w.env,
          ports: w.ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: 'TCP' })),
          readinessProbe: { httpGet: { path: w.readinessPath, port }, initialDelaySeconds: 10, periodSeconds: 10 },
          livenessProbe: { tcpSocket: { port }, initialDelaySeconds: 30, periodSeconds: 20 },
          resources: resources(o, w.component),
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
          volumeMounts: [
            { name: 'config', mountPath: w.configPath, readOnly: true },
            ...(w.dataPath ? [{ name: 'data', mountPath: w.dataPath }] : []),
            { name: 'tmp', mountPath: '/tmp' },
            ...(w.extraVolumes ?? []).map((v) => v.mount),
          ],
        },
      ],
      volumes: [
        { name: 'config', configMap: { name: w.config.metadata!.name!, items: w.configItems } },
        { name: 'tmp', emptyDir: {} },
        ...(w.extraVolumes ?? []).map((v) => v.volume),
      ],
    },
  };
}

/** A single-replica StatefulSet with its own volume (kept when the set is deleted), and its Service. */
export function statefulWorkload(o: StackOptions, w: WorkloadSpec): K8sObject[] {
  const set: K8sObject = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: w.component, namespace: o.namespace, labels: labels(w.component) },
    spec: {
      replicas: 1,
      serviceName: w.component,
      selector: { matchLabels: selectorLabels(w.component) },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      template: podTemplate(o, w),
      volumeClaimTemplates: [
        {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: { name: 'data', labels: labels(w.component) },
          spec: { accessModes: ['ReadWriteOnce'], storageClassName: o.storageClassName, resources: { requests: { storage: o.volumeSize } } },
        },
      ],
    },
  };
  return [w.config, set, service(o, w.component, w.ports)];
}

/** A single-replica Deployment (replaced, never two at once) and its Service. */
export function statelessWorkload(o: StackOptions, w: WorkloadSpec): K8sObject[] {
  const deployment: K8sObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: w.component, namespace: o.namespace, labels: labels(w.component) },
    spec: {
      replicas: 1,
      strategy: { type: 'Recreate' },
      selector: { matchLabels: selectorLabels(w.component) },
      template: podTemplate(o, w),
    },
  };
  return [w.config, deployment, service(o, w.component, w.ports)];
}

/** The storage account key for Loki, Tempo and Pyroscope, from the Secret, in Azure Blob mode. */
export function azureKeyEnv(o: StackOptions): k8s.V1EnvVar[] | undefined {
  return o.storage.backend === 'azure-blob' ? [secretEnv('AZURE_STORAGE_KEY', 'azure-storage-key')] : undefined;
}

/** The environment variable of a key in the stack's Secret. */
export function secretEnv(name: string, key: string): k8s.V1EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: STACK_SECRET, key } } };
}

export const STACK_SECRET = 'observability-credentials';
