import { AzurePipelinesHost } from '../../lib/pipeline/azure-pipelines-host';
import { runTask } from '../../lib/pipeline/run-task';
import type { TaskDefinition } from '../../lib/pipeline/task-definition';
import { previewTask } from '../../lib/stack/preview-task';
import definition from './task.json';
// Compiled from task.json at build time (build/build.js), so the bundle needs no Ajv compiler.
import validateInputs from 'input-validator:./task.json';

const host = new AzurePipelinesHost();
void runTask(host, () => previewTask(host, 'promote-env', definition as TaskDefinition, validateInputs));
