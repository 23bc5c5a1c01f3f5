import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { ConsoleHost } from '../lib/pipeline/console-host';
import { runTask } from '../lib/pipeline/run-task';
import { promoteEnv, type PromoteEnvInputs } from '../lib/gitops/promote-env';
import { deployObservability } from '../lib/observability/deploy-observability';
import type { DeployObservabilityInputs } from '../lib/observability/options';
import { compileInputValidator } from '../lib/pipeline/input-validator';
import { type InputValues, readInputs } from '../lib/pipeline/read-inputs';
import { loadStack } from '../lib/stack/load-stack';
import { TASK_DEFINITIONS } from '../lib/stack/task-definitions';
import { planStack } from '../lib/stack/plan';
import { UserError } from '../lib/user-error';
import { version } from '../package.json';
import { formatPlan } from './format-plan';

interface Command {
  summary: string;
  usage: string;
  options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; description: string }>;
  run(positionals: string[], values: Record<string, string | boolean | string[] | undefined>, host: ConsoleHost): Promise<void>;
}

/** Every input of a task as a `--name value` flag: the CLI takes what the task takes. */
function taskOptions(task: string): Command['options'] {
  return Object.fromEntries(
    TASK_DEFINITIONS[task].inputs.map((input) => [
      input.name,
      {
        type: 'string' as const,
        description: `${input.label}${input.defaultValue ? ` (default ${input.defaultValue})` : ''}${input.required ? ' [required]' : ''}`,
      },
    ]),
  );
}

/** A task's inputs from the command line's flags, validated exactly as the task validates them. */
function taskInputs<T extends InputValues>(task: string, values: Record<string, string | boolean | string[] | undefined>, host: ConsoleHost): T {
  const definition = TASK_DEFINITIONS[task];
  return readInputs<T>(definition, compileInputValidator(definition), {
    getInput: (name) => values[name] as string | undefined,
    setSecret: (v) => host.setSecret(v),
  });
}

const COMMANDS: Record<string, Command> = {
  plan: {
    summary: 'validate a stack file and show what each task would be run with and would do',
    usage: 'gitops-stack plan <stack.yaml> [--json]',
    options: { json: { type: 'boolean', description: 'print the plan as JSON' } },
    async run([file], values, host) {
      if (!file) throw new UserError('plan needs a stack file: gitops-stack plan <stack.yaml>');
      const steps = await planStack(loadStack(file), host, path.dirname(file));
      host.info(values.json ? JSON.stringify({ stack: file, steps }, null, 2) : formatPlan(file, steps));
    },
  },
  promote: {
    summary: 'promote an image between environments in the config repo (the PromoteEnv task)',
    usage:
      'gitops-stack promote --configRepoUrl <url> --apps <app> (--sourceEnvironment <env> | --image <ref>) --targetEnvironment <env> [--<input> <value> ...]',
    options: taskOptions('promote-env'),
    async run(_positionals, values, host) {
      host.info(await promoteEnv(host, taskInputs<PromoteEnvInputs>('promote-env', values, host)));
    },
  },
  render: {
    summary: "print the observability stack's manifests (DeployObservability's render; no cluster needed)",
    usage: 'gitops-stack render observability [--<input> <value> ...]',
    options: taskOptions('deploy-observability'),
    async run([what], values, host) {
      if (what !== 'observability') throw new UserError(`render knows 'observability' only: gitops-stack render observability [--<input> <value> ...]`);
      const inputs = taskInputs<DeployObservabilityInputs>('deploy-observability', { ...values, action: 'render' }, host);
      // The YAML alone goes to stdout, so it can be piped; the closing line to stderr.
      process.stderr.write(`${await deployObservability(host, inputs)}\n`);
    },
  },
  preview: {
    summary: 'expand pipeline files with their templates and validate them against the Azure Pipelines schema and our tasks',
    usage:
      'gitops-stack preview <pipeline.yml> [more.yml ...] [--check] [--repo alias=folder ...] [--param name=value ...] [--tasks definitions.json ...] [--schema service-schema.json]',
    options: {
      check: { type: 'boolean', description: 'only validate; print nothing but problems' },
      repo: { type: 'string', multiple: true, description: 'map a repository alias (template: x.yml@alias) to a local folder' },
      param: { type: 'string', multiple: true, description: "a value for one of the pipeline's parameters (YAML, e.g. deploy=true)" },
      tasks: {
        type: 'string',
        multiple: true,
        description: "task definitions (a JSON array of task.json-shaped objects) of other extensions' tasks the pipeline uses",
      },
      schema: { type: 'string', description: 'the official service-schema.json (found or downloaded once when not given)' },
    },
    async run(files, values, host) {
      if (files.length === 0) throw new UserError('preview needs a pipeline file: gitops-stack preview <pipeline.yml>');
      const pairs = (flag: string) =>
        Object.fromEntries(
          ((values[flag] as string[] | undefined) ?? []).map((pair) => {
            const at = pair.indexOf('=');
            if (at <= 0) throw new UserError(`--${flag} '${pair}' must read name=value.`);
            return [pair.slice(0, at), pair.slice(at + 1)];
          }),
        );
      const { findServiceSchema, loadPipelineValidator } = await import('../lib/pipelines-yaml/pipeline-schema');
      const { formatProblem, previewPipeline, repositoryRoot } = await import('../lib/pipelines-yaml/preview');
      const repoRoot = path.resolve(__dirname, '..', '..');
      const { readTaskDefinitions } = await import('../lib/pipelines-yaml/task-definitions-file');
      const others = ((values.tasks as string[] | undefined) ?? []).flatMap((file) => readTaskDefinitions(file));
      const validator = loadPipelineValidator(await findServiceSchema(values.schema as string | undefined, repoRoot), [
        ...Object.values(TASK_DEFINITIONS),
        ...others,
      ]);
      const repositories = Object.fromEntries(Object.entries(pairs('repo')).map(([alias, folder]) => [alias, path.resolve(folder)]));
      const parameters = Object.fromEntries(Object.entries(pairs('param')).map(([name, text]) => [name, parse(text)]));
      const problems: string[] = [];
      for (const file of files) {
        const result = previewPipeline(file, { root: repositories.self ?? repositoryRoot(file), repositories, validator, parameters });
        problems.push(...result.problems.map((p) => formatProblem(p)));
        if (!values.check) host.info(files.length > 1 ? `# ${file}\n${result.yaml}` : result.yaml);
      }
      if (problems.length) throw new UserError(problems.join('\n'));
      if (values.check) host.info(`${files.length} pipeline file${files.length === 1 ? '' : 's'} valid.`);
    },
  },
  observability: {
    summary: 'apply, render or delete the observability stack on a cluster (the DeployObservability task)',
    usage: 'gitops-stack observability --kubeconfig <file> [--action apply|render|delete] [--<input> <value> ...]',
    options: taskOptions('deploy-observability'),
    async run(_positionals, values, host) {
      host.info(await deployObservability(host, taskInputs<DeployObservabilityInputs>('deploy-observability', values, host)));
    },
  },
};

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  return [
    `gitops-stack ${version}: the GitOps Stack for Azure Pipelines, from a terminal`,
    '',
    'Usage: gitops-stack <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'gitops-stack <command> --help' for a command's options.",
  ].join('\n');
}

function commandHelp(name: string, command: Command): string {
  const width = Math.max(10, ...Object.keys(command.options).map((o) => o.length));
  const options = Object.entries(command.options).map(([o, d]) => `  --${o.padEnd(width)} ${d.description}`);
  return [
    `gitops-stack ${name}: ${command.summary}`,
    '',
    `Usage: ${command.usage}`,
    '',
    'Options:',
    ...options,
    `  --${'help'.padEnd(width)} show this help`,
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(help());
    return 0;
  }
  if (name === '--version') {
    console.log(version);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`error: unknown command '${name}'\n\n${help()}`);
    return 2;
  }
  // What the agent would provide: the job token (from SYSTEM_ACCESSTOKEN, as a pipeline script step maps it) and a temp folder.
  const host = new ConsoleHost({
    variables: { 'System.AccessToken': process.env.SYSTEM_ACCESSTOKEN, 'Agent.TempDirectory': os.tmpdir(), 'Build.RequestedFor': os.userInfo().username },
  });
  await runTask(host, async () => {
    let parsed;
    try {
      parsed = parseArgs({ args: rest, allowPositionals: true, options: { ...command.options, help: { type: 'boolean', short: 'h' } } });
    } catch (error) {
      throw new UserError(`${(error as Error).message}\nUsage: ${command.usage}`);
    }
    if (parsed.values.help) {
      host.info(commandHelp(name, command));
      return;
    }
    await command.run(parsed.positionals, parsed.values as Record<string, string | boolean | string[] | undefined>, host);
  });
  return host.failed ? 1 : 0;
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
