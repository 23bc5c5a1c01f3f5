import { workerData } from 'node:worker_threads';
import * as k8s from '@kubernetes/client-node';
import { controllerTick, type TestControllerOptions } from './argocd-test-controller';

const options = workerData as TestControllerOptions;
const config = new k8s.KubeConfig();
config.loadFromFile(options.kubeconfig);
const objects = k8s.KubernetesObjectApi.makeApiClient(config);

async function loop(): Promise<void> {
  for (;;) {
    try {
      await controllerTick(objects, options);
    } catch (error) {
      // A conflicting write or a missing CRD on start-up: try again next tick, as a controller does.
      if (process.env.ARGO_TEST_CONTROLLER_DEBUG) console.error(error);
    }
    await new Promise((resolve) => setTimeout(resolve, options.tickMs ?? 300));
  }
}
void loop();
