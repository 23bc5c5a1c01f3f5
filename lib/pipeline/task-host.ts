import type { InputSource } from './read-inputs';

export interface EndpointAuthorization {
  scheme: string;
  parameters: Record<string, string>;
}

/** A service connection as the agent hands it to a task. */
export interface ServiceEndpoint {
  id: string;
  url: string | undefined;
  authorization: EndpointAuthorization;
  data(key: string): string | undefined;
}

/**
 * What a task needs from where it runs. `AzurePipelinesHost` speaks to the
 * agent through azure-pipelines-task-lib; `ConsoleHost` serves the CLI.
 * Library code takes this interface, never the task-lib itself.
 */
export interface TaskHost extends InputSource {
  /** `secret`: read without echoing the value to the debug log (and register it). */
  getVariable(name: string, secret?: boolean): string | undefined;
  getEndpoint(id: string): ServiceEndpoint | undefined;
  setOutput(name: string, value: string, options?: { secret?: boolean }): void;
  info(message: string): void;
  debug(message: string): void;
  warning(message: string): void;
  progress(percent: number, operation: string): void;
  group<T>(name: string, body: () => Promise<T>): Promise<T>;
  summary(title: string, markdown: string): void;
  succeed(message?: string): void;
  fail(message: string): void;
}

/** Auth parameters of service connections that are identifiers, not secrets. */
const PUBLIC_AUTH_PARAMETERS = new Set([
  'tenantid',
  'serviceprincipalid',
  'authenticationtype',
  'scope',
  'username',
  'workloadidentityfederationsubject',
  'workloadidentityfederationissuer',
  'azurespnroleassignmentid',
  'azurespnobjectid',
  'spnobjectid',
  'appobjectid',
  'clientid',
  'resourceid',
  'iscreatedfromsecretyaml',
  'azureenvironment',
  'clustercontext',
  'acceptuntrustedcerts',
]);

/**
 * Registers a value as a secret. `setSecret` rejects multi-line values, so a
 * PEM key or kubeconfig is masked line by line (each line long enough to be a secret on its own).
 */
export function registerSecret(value: string | undefined, setSecret: (line: string) => void): void {
  if (!value) return;
  // Any line break, a lone CR included: setSecret refuses each of them.
  const lines = value.split(/\r\n|\r|\n/).map((l) => l.trim());
  if (lines.length === 1) {
    setSecret(lines[0]);
    return;
  }
  for (const line of lines) if (line.length >= 8 && !/^-----(BEGIN|END) /.test(line)) setSecret(line);
}

/** Registers every authorization parameter of a service connection except the identifiers. */
export function registerEndpointSecrets(parameters: Record<string, string>, setSecret: (value: string) => void): void {
  for (const [key, value] of Object.entries(parameters)) if (!PUBLIC_AUTH_PARAMETERS.has(key.toLowerCase())) setSecret(value);
}
