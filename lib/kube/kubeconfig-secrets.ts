import { parse } from 'yaml';
import { UserError } from '../user-error';

/** Registers each token, password and key of a kubeconfig's users, one value at a time (setSecret refuses multi-line values). */
export function registerKubeconfigSecrets(text: string, setSecret: (value: string) => void): void {
  let parsed: { users?: { user?: Record<string, unknown> }[] };
  try {
    parsed = parse(text) ?? {};
  } catch {
    throw new UserError('The kubeconfig is not valid YAML.');
  }
  for (const { user } of parsed.users ?? []) {
    for (const key of ['token', 'password', 'client-key-data', 'client-certificate-data']) {
      const value = user?.[key];
      if (typeof value === 'string' && value) setSecret(value);
    }
  }
}
