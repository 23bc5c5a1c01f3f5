import * as path from 'node:path';
import { TaskMockRunner } from 'azure-pipelines-task-lib/mock-run';
import type { L0Scenario } from './run-l0';

// Runs inside the MockTestRunner child process: sets what the agent would set,
// then runs the task bundle with the real task-lib inlined in it (no mocks).
const scenario = JSON.parse(process.env.L0_SCENARIO ?? '{}') as L0Scenario & { taskPath: string };
const runner = new TaskMockRunner(path.resolve(scenario.taskPath));
for (const [name, value] of Object.entries(scenario.inputs ?? {})) runner.setInput(name, value);
// The agent passes variables as environment variables (System.AccessToken -> SYSTEM_ACCESSTOKEN),
// secret ones as SECRET_<NAME>, which task-lib moves into its vault.
const envName = (name: string) => name.replace(/\./g, '_').replace(/ /g, '_').toUpperCase();
for (const [name, value] of Object.entries(scenario.variables ?? {})) process.env[envName(name)] = value;
for (const [name, value] of Object.entries(scenario.secretVariables ?? {})) process.env[`SECRET_${envName(name)}`] = value;
for (const [id, endpoint] of Object.entries(scenario.endpoints ?? {})) {
  process.env[`ENDPOINT_URL_${id}`] = endpoint.url;
  process.env[`ENDPOINT_AUTH_${id}`] = JSON.stringify({ scheme: endpoint.scheme, parameters: endpoint.parameters });
  process.env[`ENDPOINT_AUTH_SCHEME_${id}`] = endpoint.scheme;
  for (const [key, value] of Object.entries(endpoint.parameters)) process.env[`ENDPOINT_AUTH_PARAMETER_${id}_${key.toUpperCase()}`] = value;
  for (const [key, value] of Object.entries(endpoint.data ?? {})) process.env[`ENDPOINT_DATA_${id}_${key.toUpperCase()}`] = value;
}
if (scenario.fault) {
  const { module, name } = scenario.fault;
  // The module to break is named by the test at run time, so it cannot be a static import.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const real = require(module) as Record<string, unknown>;
  runner.registerMock(module, {
    ...real,
    [name]: () => {
      throw new TypeError(`injected fault in ${module}.${name}`);
    },
  });
}
delete process.env.L0_SCENARIO;
runner.run(true);
