import { UserError } from '../user-error';
import { parseYaml, toPlain } from '../yaml-document';
import { fillPattern } from '../gitops/path-pattern';

/** One environment Argo CD deploys: the Application `<app>-<name>`. */
export interface ArgoEnvironment {
  name: string;
  /** Path in the config repo, with {app} and {env} replaced. */
  path: string;
  namespace: string;
  sync: 'automated' | 'manual';
  slack?: string;
  email: string[];
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const EMAIL = /^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)+$/;

/**
 * Reads the `environments` input (a YAML list) and checks every rule before
 * anything is applied: DNS-label names and namespaces, no duplicates, paths that
 * stay inside the repository, a known sync policy, well-formed channels and addresses.
 */
export function parseEnvironments(text: string, app: string): ArgoEnvironment[] {
  // Linear-time checks (duplicate keys, depth), alias limits and positions, as for every YAML we read.
  const raw = toPlain(parseYaml(text, "Input 'environments'"), "Input 'environments'");
  if (!Array.isArray(raw) || raw.length === 0)
    throw new UserError("Input 'environments' must be a YAML list with at least one environment (name, path, namespace, sync, slack, email).");
  const problems: string[] = [];
  const seen = new Set<string>();
  const environments = raw.map((item, index): ArgoEnvironment => {
    const where = `Input 'environments' item ${index + 1}`;
    const entry = (item ?? {}) as Record<string, unknown>;
    const unknown = Object.keys(entry).filter((k) => !['name', 'path', 'namespace', 'sync', 'slack', 'email'].includes(k));
    if (unknown.length) problems.push(`${where}: unknown field '${unknown[0]}'`);
    const name = String(entry.name ?? '');
    if (!DNS_LABEL.test(name)) problems.push(`${where}: name '${name}' must be a DNS label (lowercase letters, digits and '-', at most 63)`);
    if (seen.has(name)) problems.push(`${where}: environment '${name}' is listed twice`);
    seen.add(name);
    const path = fillPattern(String(entry.path ?? 'apps/{app}/overlays/{env}'), app, name).replace(/\/+$/, '');
    if (path.startsWith('/') || path.split('/').includes('..')) problems.push(`${where}: path '${path}' leads outside the repository`);
    const namespace = String(entry.namespace ?? `${app}-${name}`);
    if (!DNS_LABEL.test(namespace)) problems.push(`${where}: namespace '${namespace}' must be a DNS label`);
    const sync = String(entry.sync ?? 'automated');
    if (sync !== 'automated' && sync !== 'manual') problems.push(`${where}: sync '${sync}' must be automated or manual`);
    const slack = entry.slack === undefined ? undefined : String(entry.slack).replace(/^#/, '');
    if (slack !== undefined && !/^[a-z0-9][a-z0-9_-]{0,79}$/.test(slack))
      problems.push(`${where}: slack channel '${entry.slack}' must be a channel name such as #dev-deployments`);
    const email = (Array.isArray(entry.email) ? entry.email.map(String) : String(entry.email ?? '').split(/[,;]/)).map((e) => e.trim()).filter(Boolean);
    for (const address of email) if (!EMAIL.test(address)) problems.push(`${where}: '${address}' is not an e-mail address`);
    // Recipients sorted, without repeats: a reordered list is not a change of the subscription.
    return { name, path, namespace, sync: sync as ArgoEnvironment['sync'], slack, email: [...new Set(email)].sort() };
  });
  if (problems.length) throw new UserError(problems.join('\n'));
  return environments;
}
