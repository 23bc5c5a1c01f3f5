import { commandFromString } from 'azure-pipelines-task-lib/taskcommand';

/**
 * The values a run registered as secrets: `task.setsecret` data and the values
 * of `task.setvariable ...;issecret=true`. The agent consumes those two commands
 * without printing them, so they are the only lines allowed to carry a secret.
 */
export function registeredSecrets(output: string): { secrets: string[]; printable: string } {
  const secrets: string[] = [];
  const printable: string[] = [];
  for (const line of output.split(/\r?\n/)) {
    const at = line.indexOf('##vso[');
    if (at >= 0) {
      const command = commandFromString(line.substring(at));
      if (command.command === 'task.setsecret') {
        secrets.push(command.message);
        continue;
      }
      if (command.command === 'task.setvariable' && command.properties.issecret === 'true') {
        secrets.push(command.message);
        continue;
      }
    }
    printable.push(line);
  }
  return { secrets, printable: printable.join('\n') };
}

/** The encodings in which a secret has leaked through real tools' logs. */
export function leakForms(secret: string): string[] {
  const forms = new Set([secret, Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('base64url'), encodeURIComponent(secret)]);
  return [...forms].filter((form) => form.length >= 4);
}

/**
 * Fails when any registered secret, or one the test names as secret, appears in
 * the output other than in the commands that register it.
 */
export function assertNoSecretLeak(output: string, knownSecrets: string[] = []): void {
  const { secrets, printable } = registeredSecrets(output);
  for (const secret of new Set([...secrets, ...knownSecrets])) {
    if (!secret || secret.length < 4) continue;
    for (const form of leakForms(secret)) {
      if (printable.includes(form)) {
        if (process.env.LEAK_CHECK_DEBUG)
          console.error(
            printable
              .split('\n')
              .filter((l) => l.includes(form))
              .join('\n'),
          );
        throw new Error(
          `secret leak: a registered secret (${secret.length} chars, starting '${secret.slice(0, 2)}…') appears in the output${form === secret ? '' : ' encoded'}`,
        );
      }
    }
  }
}
