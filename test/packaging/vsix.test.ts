import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import AdmZip from 'adm-zip';
import * as semver from 'semver';
import { REPO_ROOT } from '../harness/run-l0';

const TASKS = fs
  .readdirSync(path.join(REPO_ROOT, 'tasks'))
  .filter((t) => fs.existsSync(path.join(REPO_ROOT, 'tasks', t, 'task.json')))
  .sort();
const { version } = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));

describe('packaging: npm run package', function () {
  let zip: AdmZip;
  let entries: string[];

  before(() => {
    execFileSync(process.execPath, [path.join(REPO_ROOT, 'build', 'package.js')], { cwd: REPO_ROOT, stdio: 'pipe' });
    zip = new AdmZip(path.join(REPO_ROOT, 'dist', `gitops-stack-dev.gitops-stack-${version}.vsix`));
    entries = zip.getEntries().map((e) => e.entryName);
  });

  it('holds every task folder as one bundle with its source maps plus task-lib resources, and no node_modules', () => {
    assert.deepEqual(TASKS, ['argocd-register', 'deploy-observability', 'export-pipeline-trace', 'promote-env', 'provision-aks']);
    for (const task of TASKS) {
      const files = entries.filter((e) => e.startsWith(`tasks/${task}/`)).map((e) => e.slice(`tasks/${task}/`.length));
      const top = [...new Set(files.map((f) => f.split('/')[0]).filter(Boolean))].sort();
      assert.deepEqual(top, ['Strings', 'icon.png', 'index.js', 'index.js.map', 'index.library.js.map', 'lib.json', 'task.json'], task);
      for (const map of ['index.js.map', 'index.library.js.map']) {
        const { sources, sourcesContent } = JSON.parse(zip.readAsText(`tasks/${task}/${map}`));
        assert.ok(
          sources.some((s: string) => /^lib\/[\w/-]+\.ts$/.test(s)),
          `${task}/${map} names lib/ sources by their repository path`,
        );
        assert.equal(sourcesContent, undefined, 'no source text is shipped');
      }
      assert.ok(files.includes('Strings/resources.resjson/en-US/resources.resjson'), `${task} has task-lib strings`);
    }
    assert.deepEqual(
      entries.filter((e) => e.includes('node_modules')),
      [],
    );
    assert.deepEqual(
      entries.filter((e) => e.endsWith('.ts')),
      [],
    );
  });

  it('ships task.json files with Node20_1 and Node24 handlers pointing at the bundle', () => {
    for (const task of TASKS) {
      const json = JSON.parse(zip.readAsText(`tasks/${task}/task.json`));
      assert.deepEqual(Object.keys(json.execution).sort(), ['Node20_1', 'Node24'], task);
      assert.equal(json.execution.Node20_1.target, 'index.js');
      assert.equal(json.execution.Node24.target, 'index.js');
    }
  });

  it('has a private manifest with one task contribution per folder, the category, details and icon', () => {
    const manifest = zip.readAsText('extension.vsomanifest');
    const parsed = JSON.parse(manifest);
    assert.deepEqual(
      parsed.contributions.map((c: { properties: { name: string } }) => c.properties.name).sort(),
      TASKS.map((t) => `tasks/${t}`),
    );
    assert.ok(parsed.contributions.every((c: { type: string }) => c.type === 'ms.vss-distributed-task.task'));
    const vsixmanifest = zip.readAsText('extension.vsixmanifest');
    assert.match(vsixmanifest, /<Category>Azure Pipelines<\/Category>|Categories>Azure Pipelines</);
    assert.match(vsixmanifest, /Version="0\.1\.0"/);
    assert.ok(!/<GalleryFlags>[^<]*Public/.test(vsixmanifest), 'private by default');
    assert.ok(entries.includes('extension/overview.md') && entries.includes('extension/icon.png'));
    // Every image the Marketplace page shows is in the package, as an addressable asset.
    const overview = zip.readAsText('extension/overview.md');
    const images = [...overview.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]);
    assert.ok(images.length >= 2, 'the overview shows the run summary and the dashboards');
    for (const image of images) assert.ok(entries.includes(image), `${image} is packaged`);
    assert.match(vsixmanifest, /extension\/images\/promotion-summary\.png/);
  });

  it('packages for the release publisher with the overrides file', () => {
    execFileSync(process.execPath, [path.join(REPO_ROOT, 'build', 'package.js'), '--release'], { cwd: REPO_ROOT, stdio: 'pipe' });
    const release = new AdmZip(path.join(REPO_ROOT, 'dist', `gitops-stack.gitops-stack-${version}.vsix`));
    const vsixmanifest = release.readAsText('extension.vsixmanifest');
    assert.match(vsixmanifest, /Publisher="gitops-stack"/);
    assert.match(vsixmanifest, /<GalleryFlags>[^<]*Public/);
  });

  it('packages a private release (to share with chosen organizations) with --release --private', () => {
    execFileSync(process.execPath, [path.join(REPO_ROOT, 'build', 'package.js'), '--release', '--private'], { cwd: REPO_ROOT, stdio: 'pipe' });
    const release = new AdmZip(path.join(REPO_ROOT, 'dist', `gitops-stack.gitops-stack-${version}.vsix`));
    const vsixmanifest = release.readAsText('extension.vsixmanifest');
    assert.match(vsixmanifest, /Publisher="gitops-stack"/);
    assert.ok(!/<GalleryFlags>[^<]*Public/.test(vsixmanifest), 'not listed publicly');
    const both = spawnSync(process.execPath, [path.join(REPO_ROOT, 'build', 'package.js'), '--private', '--public'], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(both.status, 1);
    assert.match(both.stderr, /--private and --public exclude each other/);
  });

  it('depends only on packages that declare support for Node 20', () => {
    const lock = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package-lock.json'), 'utf8'));
    const refused = Object.entries(lock.packages as Record<string, { dev?: boolean; engines?: { node?: string } }>)
      .filter(([name, p]) => name && !p.dev && p.engines?.node && !semver.satisfies('20.19.0', p.engines.node))
      .map(([name, p]) => `${name} (${p.engines!.node})`);
    assert.deepEqual(refused, []);
  });
});
