/** The parts of a task.json that the library reads; task.json is the single source of truth for inputs. */
export interface TaskInputDefinition {
  name: string;
  type: string;
  label: string;
  required?: boolean;
  defaultValue?: string;
  options?: Record<string, string>;
  visibleRule?: string;
  helpMarkDown?: string;
  groupName?: string;
  validation?: { expression: string; message?: string };
  /** Free-form task.json properties; `isSecret: "true"` marks an input whose value is registered as a secret. */
  properties?: Record<string, string>;
}

export interface TaskDefinition {
  id: string;
  name: string;
  friendlyName: string;
  description: string;
  version: { Major: number; Minor: number; Patch: number };
  inputs: TaskInputDefinition[];
  outputVariables?: { name: string; description: string }[];
  execution: Record<string, { target: string }>;
}
