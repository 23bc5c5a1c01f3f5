import { execFile } from 'node:child_process';
import { UserError } from '../user-error';

/** How git authenticates to the config repo: an HTTP Authorization header, given per command. */
export interface GitAuth {
  /** e.g. `bearer <token>` or `basic <base64(user:password)>`; undefined for none. */
  authorization?: string;
}

/** Basic authentication for git over HTTPS; the encoded pair is registered too, since that is what a trace would show. */
export function basicAuth(username: string, password: string, setSecret: (value: string) => void): GitAuth {
  const encoded = Buffer.from(`${username}:${password}`).toString('base64');
  setSecret(password);
  setSecret(encoded);
  return { authorization: `basic ${encoded}` };
}

export interface GitResult {
  stdout: string;
  stderr: string;
  code: number;
}

/**
 * Runs git with argument arrays, never a shell. Credentials travel in the
 * environment of each command (GIT_CONFIG_COUNT/KEY/VALUE sets http.extraheader),
 * so they are never written to .git/config, never part of a URL or an argument
 * list, and never printed. Prompts and credential helpers are off.
 */
export class Git {
  constructor(
    readonly dir: string,
    private readonly auth: GitAuth = {},
  ) {}

  private env(): NodeJS.ProcessEnv {
    const config: [string, string][] = [
      ['credential.helper', ''],
      ['core.quotePath', 'false'],
    ];
    if (this.auth.authorization) config.push(['http.extraheader', `AUTHORIZATION: ${this.auth.authorization}`]);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      GIT_TERMINAL_PROMPT: '0',
      GIT_ASKPASS: '',
      SSH_ASKPASS: '',
      LC_ALL: 'C',
      GIT_CONFIG_COUNT: String(config.length),
    };
    config.forEach(([key, value], i) => {
      env[`GIT_CONFIG_KEY_${i}`] = key;
      env[`GIT_CONFIG_VALUE_${i}`] = value;
    });
    return env;
  }

  /** Runs git; resolves with its output whatever the exit code. */
  exec(args: string[], cwd = this.dir): Promise<GitResult> {
    return new Promise((resolve, reject) => {
      const child = execFile('git', args, { cwd, env: this.env(), maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (error && typeof (error as NodeJS.ErrnoException).code === 'string') {
          reject(new UserError(`git could not be started (${(error as NodeJS.ErrnoException).code}): install git on the agent.`));
          return;
        }
        resolve({ stdout, stderr, code: error ? ((error as { code?: number }).code ?? 1) : 0 });
      });
      // git never waits on standard input (an argument such as --stdin would otherwise hang it).
      child.stdin?.end();
    });
  }

  /** Runs git and fails with `what` and git's own first error line when it fails. */
  async run(args: string[], what: string, cwd = this.dir): Promise<string> {
    const result = await this.exec(args, cwd);
    if (result.code !== 0) {
      const reason =
        result.stderr
          .split('\n')
          .map((l) => l.trim())
          .find((l) => /^(fatal|error|remote):/.test(l)) ??
        result.stderr.trim().split('\n')[0] ??
        '';
      throw new UserError(`${what} failed: ${reason}`);
    }
    return result.stdout;
  }
}
