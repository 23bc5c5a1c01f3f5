#!/usr/bin/env node
// Version discipline, against the previous release tag (the newest vX.Y.Z tag below HEAD):
// - a task whose shipped code changed (any file its bundle is built from, out/bundle-inputs.json,
//   written by npm run build) must raise its task.json version: an agent keeps running its cached
//   copy of a task whose version did not move;
// - a task whose inputs changed must raise Minor (an input added) or Major (an input removed or
//   retyped, a pickList option removed, a new required input without a default: the old major
//   must then stay installable side by side, as TaskName@N);
// - when any task moved, the extension version (package.json = vss-extension.json) moves too;
// - with --tag vX.Y.Z (the release pipeline), the tag must be the extension version.
// Usage: node build/check-versions.js [--tag vX.Y.Z]. Exit 1 with every problem listed.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const RELEASE_TAG = /^v(\d+)\.(\d+)\.(\d+)$/;

const git = (repo, ...args) => execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const parse = (version) => version.split('.').map(Number);
const compare = (a, b) => {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
};
const taskVersion = (taskJson) => [taskJson.version.Major, taskJson.version.Minor, taskJson.version.Patch];

/** The newest release tag that is an ancestor of HEAD and does not point at HEAD itself. */
function previousRelease(repo) {
  const head = git(repo, 'rev-parse', 'HEAD').trim();
  const tags = git(repo, 'tag', '--merged', 'HEAD', '--list', 'v*.*.*')
    .split('\n')
    .filter((t) => RELEASE_TAG.test(t))
    .filter((t) => git(repo, 'rev-list', '-n', '1', t).trim() !== head)
    .sort((a, b) => compare(parse(b.slice(1)), parse(a.slice(1))));
  return tags[0];
}

function showJson(repo, ref, file) {
  try {
    return JSON.parse(git(repo, 'show', `${ref}:${file}`));
  } catch {
    return undefined;
  }
}

/** What an input change demands: 'major' (breaking), 'minor' (added) or undefined. */
function inputChange(before, after) {
  const old = new Map(before.inputs.map((i) => [i.name, i]));
  const now = new Map(after.inputs.map((i) => [i.name, i]));
  const breaking = [];
  for (const [name, input] of old) {
    const next = now.get(name);
    if (!next) breaking.push(`input '${name}' removed`);
    else if (next.type !== input.type) breaking.push(`input '${name}' changed type ${input.type} → ${next.type}`);
    else if (input.options && next.options && input.properties?.EditableOptions !== 'True') {
      const gone = Object.keys(input.options).filter((o) => !(o in next.options));
      if (gone.length) breaking.push(`input '${name}' lost option(s) ${gone.join(', ')}`);
    }
  }
  const added = [...now.keys()].filter((name) => !old.has(name));
  for (const name of added) {
    const input = now.get(name);
    if (input.required && !input.visibleRule && input.defaultValue === undefined) breaking.push(`new required input '${name}' without a default`);
  }
  if (breaking.length) return { level: 'major', why: breaking };
  if (added.length) return { level: 'minor', why: added.map((n) => `input '${n}' added`) };
  return undefined;
}

/**
 * The problems of HEAD against the previous release in `repo`; `inputsByTask` names, per task
 * folder, the repository files its bundle is built from.
 */
function checkVersions(repo, inputsByTask, options = {}) {
  const problems = [];
  const notes = [];
  const head = JSON.parse(git(repo, 'show', 'HEAD:package.json')).version;
  const manifest = showJson(repo, 'HEAD', 'vss-extension.json');
  if (manifest && manifest.version !== head) problems.push(`vss-extension.json version ${manifest.version} is not package.json's ${head}: they move together.`);
  if (options.tag !== undefined && options.tag !== `v${head}`) problems.push(`The release tag ${options.tag} is not v${head}, the version in package.json.`);
  const previous = previousRelease(repo);
  if (!previous) return { problems, notes: [...notes, 'No earlier release tag (vX.Y.Z) below HEAD: nothing to compare with.'], previous };

  let anyTaskMoved = false;
  for (const [task, inputs] of Object.entries(inputsByTask).sort()) {
    const file = `tasks/${task}/task.json`;
    const now = showJson(repo, 'HEAD', file);
    const then = showJson(repo, previous, file);
    if (!now || !then) {
      if (now) notes.push(`${task}: new since ${previous}.`);
      if (now) anyTaskMoved = true;
      continue;
    }
    const changed = git(repo, 'diff', '--name-only', previous, 'HEAD', '--', ...inputs)
      .split('\n')
      .filter(Boolean);
    const [v0, v1] = [taskVersion(then), taskVersion(now)];
    const label = `${task} (${now.name}@${v1[0]})`;
    if (compare(v1, v0) < 0) problems.push(`${label}: task.json version ${v1.join('.')} is lower than ${v0.join('.')} in ${previous}.`);
    if (compare(v1, v0) > 0) anyTaskMoved = true;
    const demand = inputChange(then, now);
    if (demand?.level === 'major' && v1[0] <= v0[0])
      problems.push(
        `${label}: ${demand.why.join('; ')} since ${previous}: that breaks pipelines using ${now.name}@${v0[0]}; raise Major (and keep the old major side by side).`,
      );
    else if (demand?.level === 'minor' && compare(v1, [v0[0], v0[1] + 1, 0]) < 0)
      problems.push(`${label}: ${demand.why.join('; ')} since ${previous}: raise Minor (at least ${v0[0]}.${v0[1] + 1}.0).`);
    else if (changed.length && compare(v1, v0) === 0)
      problems.push(
        `${label}: its shipped code changed since ${previous} (${changed.slice(0, 5).join(', ')}${changed.length > 5 ? `, +${changed.length - 5} more` : ''}) but task.json is still ${v1.join('.')}: raise Patch for a fix, Minor for new inputs, Major for breaking ones.`,
      );
  }
  const released = showJson(repo, previous, 'package.json')?.version;
  if (anyTaskMoved && released && compare(parse(head), parse(released)) <= 0)
    problems.push(`Tasks moved since ${previous} but the extension version is still ${head}: raise package.json and vss-extension.json.`);
  return { problems, notes, previous };
}

module.exports = { checkVersions, previousRelease };

if (require.main === module) {
  const root = path.resolve(__dirname, '..');
  const tagAt = process.argv.indexOf('--tag');
  const inputsFile = path.join(root, 'out', 'bundle-inputs.json');
  if (!fs.existsSync(inputsFile)) {
    console.error('check-versions: out/bundle-inputs.json is missing; run npm run build first');
    process.exit(1);
  }
  const { problems, notes, previous } = checkVersions(root, JSON.parse(fs.readFileSync(inputsFile, 'utf8')), {
    tag: tagAt >= 0 ? process.argv[tagAt + 1] : undefined,
  });
  for (const note of notes) console.log(`check-versions: ${note}`);
  if (problems.length) {
    console.error(problems.map((p) => `check-versions: ${p}`).join('\n'));
    process.exit(1);
  }
  console.log(`check-versions: versions are consistent${previous ? ` with ${previous}` : ''}.`);
}
