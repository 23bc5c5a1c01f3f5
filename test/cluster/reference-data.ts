import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const ARGO_CD_COMMIT = '37ee0097cf851bc2dd7665fc081bbce61a7e836e';
const ARGO_CD_CRDS = ['application-crd.yaml', 'appproject-crd.yaml', 'applicationset-crd.yaml'];

/**
 * The shared reference data folder: GITOPS_REFERENCE_DATA, else ../shared/data
 * beside the repository. Returns undefined when neither exists.
 */
export function referenceDataDir(): string | undefined {
  const candidates = [process.env.GITOPS_REFERENCE_DATA, path.resolve(REPO_ROOT, '..', 'shared', 'data')];
  return candidates.find((dir): dir is string => !!dir && fs.existsSync(dir));
}

/**
 * Argo CD 3.6.0's CRD files: from the reference data, else downloaded once from
 * the pinned commit into .cache/ (for machines without the shared folder).
 */
export function argoCdCrdFiles(): string[] {
  const data = referenceDataDir();
  if (data && ARGO_CD_CRDS.every((f) => fs.existsSync(path.join(data, 'argocd-crds', f)))) return ARGO_CD_CRDS.map((f) => path.join(data, 'argocd-crds', f));
  const cache = path.join(REPO_ROOT, '.cache', 'argocd-crds', ARGO_CD_COMMIT);
  fs.mkdirSync(cache, { recursive: true });
  for (const name of ARGO_CD_CRDS) {
    const target = path.join(cache, name);
    if (fs.existsSync(target)) continue;
    const url = `https://raw.githubusercontent.com/argoproj/argo-cd/${ARGO_CD_COMMIT}/manifests/crds/${name}`;
    const result = spawnSync(
      process.execPath,
      [
        '-e',
        `fetch(${JSON.stringify(url)}).then(async r => { if (!r.ok) process.exit(1); process.stdout.write(await r.text()); }).catch(() => process.exit(1))`,
      ],
      { encoding: 'utf8' },
    );
    if (result.status !== 0) throw new Error(`Argo CD CRDs: no reference data folder and ${url} could not be downloaded; set GITOPS_REFERENCE_DATA`);
    fs.writeFileSync(target, result.stdout);
  }
  return ARGO_CD_CRDS.map((f) => path.join(cache, f));
}

/**
 * The configuration key tree of a pinned Loki, Tempo or Pyroscope release (format: the README of
 * observability-reference/). These come from the shared reference data only: they are facts
 * extracted from each release's reference, with no public file to download instead.
 */
export function observabilityKeyTree(component: string, version: string): unknown {
  const data = referenceDataDir();
  const file = data && path.join(data, 'observability-reference', `${component}-v${version}.keys.json`);
  if (!file || !fs.existsSync(file))
    throw new Error(
      `No key tree for ${component} ${version} in the reference data (observability-reference/${component}-v${version}.keys.json): a version bump needs its tree.`,
    );
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}
