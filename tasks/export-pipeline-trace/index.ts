import { AzurePipelinesHost } from '../../lib/pipeline/azure-pipelines-host';
import { readInputs } from '../../lib/pipeline/read-inputs';
import { runTask } from '../../lib/pipeline/run-task';
import type { TaskDefinition } from '../../lib/pipeline/task-definition';
import { exportPipelineTrace } from '../../lib/telemetry/export-run';
import { type ExportPipelineTraceInputs, exportTarget } from '../../lib/telemetry/task-trace';
import definition from './task.json';
// Compiled from task.json at build time (build/build.js), so the bundle needs no Ajv compiler.
import validateInputs from 'input-validator:./task.json';

const host = new AzurePipelinesHost();
// Not traced itself: it sends the whole run, itself included, from the timeline.
// The target is checked before the library (the Build API client) is loaded.
void runTask(host, () =>
  exportPipelineTrace(host, exportTarget(host, readInputs<ExportPipelineTraceInputs>(definition as TaskDefinition, validateInputs, host))),
);
