import * as k8s from '@kubernetes/client-node';

/**
 * The test control plane has no storage provisioner: a StorageClass and
 * pre-made PersistentVolumes of it let StatefulSets' claims bind, so their pods
 * schedule onto the kwok nodes as on a real cluster.
 */
export async function createVolumes(config: k8s.KubeConfig, storageClass: string, count: number): Promise<void> {
  const objects = k8s.KubernetesObjectApi.makeApiClient(config);
  const apply = (object: k8s.KubernetesObject) => objects.patch(object, undefined, undefined, 'gitops-stack-tests', true, k8s.PatchStrategy.ServerSideApply);
  await apply({
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: storageClass },
    provisioner: 'kubernetes.io/no-provisioner',
    volumeBindingMode: 'Immediate',
    reclaimPolicy: 'Retain',
  } as k8s.KubernetesObject);
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      apply({
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name: `${storageClass}-${i}` },
        spec: {
          storageClassName: storageClass,
          capacity: { storage: '100Gi' },
          accessModes: ['ReadWriteOnce'],
          persistentVolumeReclaimPolicy: 'Retain',
          hostPath: { path: `/tmp/${storageClass}-${i}` },
        },
      } as k8s.KubernetesObject),
    ),
  );
}
