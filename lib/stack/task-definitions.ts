import type { TaskDefinition } from '../pipeline/task-definition';
import argocdRegister from '../../tasks/argocd-register/task.json';
import deployObservability from '../../tasks/deploy-observability/task.json';
import exportPipelineTrace from '../../tasks/export-pipeline-trace/task.json';
import promoteEnv from '../../tasks/promote-env/task.json';
import provisionAks from '../../tasks/provision-aks/task.json';

/** Every task's task.json, keyed by its folder name: the CLI validates with the same rules as the agent. */
export const TASK_DEFINITIONS: Record<string, TaskDefinition> = {
  'provision-aks': provisionAks as TaskDefinition,
  'deploy-observability': deployObservability as TaskDefinition,
  'argocd-register': argocdRegister as TaskDefinition,
  'promote-env': promoteEnv as TaskDefinition,
  'export-pipeline-trace': exportPipelineTrace as TaskDefinition,
};
