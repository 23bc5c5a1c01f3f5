import { deployObservability } from '../../lib/observability/deploy-observability';
import type { DeployObservabilityInputs } from '../../lib/observability/options';
import { AzurePipelinesHost } from '../../lib/pipeline/azure-pipelines-host';
import { readInputs } from '../../lib/pipeline/read-inputs';
import { runTask } from '../../lib/pipeline/run-task';
import type { TaskDefinition } from '../../lib/pipeline/task-definition';
import definition from './task.json';
// Compiled from task.json at build time (build/build.js), so the bundle needs no Ajv compiler.
import validateInputs from 'input-validator:./task.json';

const host = new AzurePipelinesHost();
void runTask(host, () => deployObservability(host, readInputs<DeployObservabilityInputs>(definition as TaskDefinition, validateInputs, host)), definition.name);
