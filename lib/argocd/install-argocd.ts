import type * as k8s from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { isClusterScoped } from '../kube/kind-order';
import { serverSideApply, type AppliedObject } from '../kube/server-side-apply';
import { UserError } from '../user-error';
import { MiB, readTextFile } from '../read-text-file';

/** The ConfigMap and Secret of Argo CD's notifications: written by the registration, not the install. */
const NOTIFICATION_SETTINGS = new Set(['argocd-notifications-cm', 'argocd-notifications-secret']);

/** Argo CD's install manifest: a local file (air-gapped agents), or the release's at the pinned version. */
export async function readInstallManifest(version: string, file?: string): Promise<string> {
  if (file) {
    // Argo CD's install.yaml is about 2 MiB, CRDs included.
    return readTextFile(file, 16 * MiB, "Input 'installManifest'");
  }
  const url = `https://raw.githubusercontent.com/argoproj/argo-cd/${version}/manifests/install.yaml`;
  const response = await fetch(url).catch(() => undefined);
  if (!response?.ok)
    throw new UserError(
      `Argo CD ${version}'s install manifest could not be downloaded from ${url}${response ? ` (HTTP ${response.status})` : ''}; on an agent without internet access, set 'installManifest' to a local copy.`,
    );
  return response.text();
}

/**
 * Installs (or upgrades) Argo CD from its install manifest by server-side apply into
 * `namespace`: CRDs first, namespaced objects moved into the namespace, and the
 * cluster role bindings pointed at its service accounts.
 */
export async function installArgoCd(objects: k8s.KubernetesObjectApi, namespace: string, manifest: string): Promise<AppliedObject[]> {
  const docs = parseAllDocuments(manifest)
    .map((d) => d.toJS() as k8s.KubernetesObject | null)
    .filter((d): d is k8s.KubernetesObject => !!d?.kind)
    // The registration owns the notification settings: Argo CD's empty ones, applied under the same
    // field manager, would remove them on every rerun (and for good if the registration then failed).
    .filter((d) => !(NOTIFICATION_SETTINGS.has(d.metadata?.name ?? '') && (d.kind === 'ConfigMap' || d.kind === 'Secret')));
  if (!docs.some((d) => d.kind === 'Deployment' || d.kind === 'StatefulSet'))
    throw new UserError('The Argo CD install manifest holds no Deployment or StatefulSet: is it the right file?');
  for (const doc of docs) {
    if (!isClusterScoped(doc.kind!)) doc.metadata = { ...doc.metadata, namespace };
    if (doc.kind === 'ClusterRoleBinding') {
      for (const subject of (doc as { subjects?: { kind: string; namespace?: string }[] }).subjects ?? [])
        if (subject.kind === 'ServiceAccount') subject.namespace = namespace;
    }
  }
  const ordered = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    ...docs.filter((d) => d.kind === 'CustomResourceDefinition'),
    ...docs.filter((d) => d.kind !== 'CustomResourceDefinition'),
  ];
  return serverSideApply(objects, ordered);
}
