#!/usr/bin/env node
// Type-checks and compiles everything to out/ (what the tests run), then bundles
// each task and the CLI with esbuild into dist/ (what ships).
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild');
const { decode, encode } = require('@jridgewell/sourcemap-codec');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');
const taskLib = path.dirname(require.resolve('azure-pipelines-task-lib/package.json'));

function taskNames() {
  return fs
    .readdirSync(path.join(root, 'tasks'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(root, 'tasks', d.name, 'task.json')))
    .map((d) => d.name)
    .sort();
}

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  // Deterministic output: no absolute paths or timestamps in the bundle.
  absWorkingDir: root,
  alias: { 'whatwg-url': path.join(root, 'build', 'shims', 'whatwg-url.js') },
  // A map beside each bundle, without the sources' text: an unexpected error's stack in the
  // debug log names lib/…/file.ts:line (lib/pipeline/source-mapped-stack.ts reads it on failure).
  sourcemap: 'external',
  sourcesContent: false,
};

/**
 * Keeps only what a stack needs from a map: mappings into our own sources (lib/, tasks/, cli/),
 * named by repository path (lib/gitops/promote.ts), without identifier names. Dependencies'
 * frames keep their bundle positions; their mappings would more than double the .vsix.
 */
function ownSourcesMap(mapText, mapFile) {
  const map = JSON.parse(mapText);
  const paths = map.sources.map((source) =>
    path
      .relative(root, path.resolve(path.dirname(mapFile), source))
      .split(path.sep)
      .join('/'),
  );
  const kept = paths.map((p) => !p.startsWith('node_modules/') && !p.startsWith('..'));
  const index = [];
  const sources = [];
  paths.forEach((p, i) => {
    if (kept[i]) index[i] = sources.push(p) - 1;
  });
  const lines = decode(map.mappings).map((line) => line.filter((s) => s.length >= 4 && kept[s[1]]).map((s) => [s[0], index[s[1]], s[2], s[3]]));
  return JSON.stringify({ version: 3, sources, names: [], mappings: encode(lines) });
}

/** Writes a build's output files, rewriting its source map's paths. */
function writeOutputs(outputFiles) {
  for (const file of outputFiles) {
    fs.mkdirSync(path.dirname(file.path), { recursive: true });
    fs.writeFileSync(file.path, file.path.endsWith('.map') ? ownSourcesMap(file.text, file.path) : file.contents);
  }
}

// `import validate from 'input-validator:./task.json'` in a task becomes the
// standalone Ajv validator of that task.json's inputs (lib/pipeline/input-validator.ts).
const inputValidatorPlugin = {
  name: 'input-validator',
  setup(build) {
    build.onResolve({ filter: /^input-validator:/ }, (args) => ({
      path: path.resolve(args.resolveDir, args.path.slice('input-validator:'.length)),
      namespace: 'input-validator',
    }));
    build.onLoad({ filter: /.*/, namespace: 'input-validator' }, (args) => {
      const { inputValidatorSource } = require(path.join(root, 'out', 'lib', 'pipeline', 'input-validator.js'));
      return { contents: inputValidatorSource(JSON.parse(fs.readFileSync(args.path, 'utf8'))), loader: 'js', resolveDir: root };
    });
  },
};

// A task's own library (what tasks/<name>/index.ts imports from lib/, except lib/pipeline) is
// bundled separately and embedded in index.js as a string, compiled only when the task first
// calls it. The bundle stays one file, but V8 no longer parses ~1.5 MB before the inputs are
// read: bad input fails fast (cold_start_ratio). The library copy must not carry task-lib
// (one secret vault); UserError and the task trace are recognised across the two copies.
function lazyLibraryPlugin(taskDir, inputs) {
  return {
    name: 'lazy-library',
    setup(build) {
      build.onResolve({ filter: /^\.\.\/\.\.\/lib\// }, (args) => {
        if (path.dirname(args.importer) !== taskDir || args.path.startsWith('../../lib/pipeline/')) return undefined;
        return { path: path.resolve(args.resolveDir, `${args.path}.ts`), namespace: 'lazy-library' };
      });
      build.onLoad({ filter: /.*/, namespace: 'lazy-library' }, async (args) => {
        // Its map is index.library.js.map: the code is compiled under that file name (beside the bundle).
        const library = await esbuild.build({
          ...common,
          entryPoints: [args.path],
          outfile: path.join(dist, 'extension', 'tasks', path.basename(taskDir), 'index.library.js'),
          write: false,
          metafile: true,
        });
        for (const input of Object.keys(library.metafile.inputs)) inputs.add(input);
        const taskLibInside = Object.keys(library.metafile.inputs).find((input) => input.includes('azure-pipelines-task-lib'));
        if (taskLibInside)
          throw new Error(`${path.relative(root, args.path)} pulls in ${taskLibInside}: the task's library must reach task-lib only through its TaskHost`);
        // What it exports, from the compiled module tsc wrote to out/.
        const compiled = require(path.join(root, 'out', path.relative(root, args.path).replace(/\.ts$/, '.js')));
        const code = library.outputFiles.find((f) => f.path.endsWith('.js'));
        writeOutputs(library.outputFiles.filter((f) => f.path.endsWith('.map')));
        const contents = [
          `const code = ${JSON.stringify(code.text)};`,
          'let loaded;',
          'function load() {',
          '  if (!loaded) {',
          '    const module = { exports: {} };',
          // The wrapper has a line of its own (lineOffset -1), so positions match index.library.js.map.
          "    require('node:vm').runInThisContext(`(function (module, exports, require, __filename, __dirname) {\n${code}\n})`, { filename: require('node:path').join(__dirname, 'index.library.js'), lineOffset: -1 })(module, module.exports, require, __filename, __dirname);",
          '    loaded = module.exports;',
          '  }',
          '  return loaded;',
          '}',
          // A function is a wrapper: `task(host, readInputs(...))` reads the callee before its arguments,
          // and the library must not load before the inputs have passed.
          ...Object.keys(compiled).map((name) =>
            typeof compiled[name] === 'function'
              ? `exports[${JSON.stringify(name)}] = (...args) => load()[${JSON.stringify(name)}](...args);`
              : `Object.defineProperty(exports, ${JSON.stringify(name)}, { enumerable: true, get: () => load()[${JSON.stringify(name)}] });`,
          ),
        ].join('\n');
        return { contents, loader: 'js', resolveDir: root };
      });
    },
  };
}

async function main() {
  const started = Date.now();
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', root], { stdio: 'inherit' });
  fs.rmSync(dist, { recursive: true, force: true });

  // Per task, the repository files its bundle is built from (build/check-versions.js): a change to
  // any of them must move the task's version. Dependencies count through package-lock.json.
  const bundleInputs = {};
  for (const name of taskNames()) {
    const out = path.join(dist, 'extension', 'tasks', name);
    const inputs = new Set();
    const bundle = await esbuild.build({
      ...common,
      entryPoints: [path.join(root, 'tasks', name, 'index.ts')],
      outfile: path.join(out, 'index.js'),
      write: false,
      metafile: true,
      plugins: [inputValidatorPlugin, lazyLibraryPlugin(path.join(root, 'tasks', name), inputs)],
    });
    writeOutputs(bundle.outputFiles);
    for (const input of Object.keys(bundle.metafile.inputs)) inputs.add(input);
    const files = [...inputs].map((input) => input.replace(/^[\w-]+:/, '')).filter((input) => fs.existsSync(path.join(root, input)));
    bundleInputs[name] = [
      ...new Set([...files.filter((f) => !f.startsWith('node_modules/')), 'package-lock.json', 'build/build.js', `tasks/${name}/task.json`]),
    ].sort();
    fs.copyFileSync(path.join(root, 'tasks', name, 'task.json'), path.join(out, 'task.json'));
    fs.copyFileSync(path.join(root, 'tasks', name, 'icon.png'), path.join(out, 'icon.png'));
    // task-lib reads its messages relative to __dirname, which is now the bundle's folder.
    fs.copyFileSync(path.join(taskLib, 'lib.json'), path.join(out, 'lib.json'));
    fs.cpSync(path.join(taskLib, 'Strings'), path.join(out, 'Strings'), { recursive: true });
  }

  fs.writeFileSync(path.join(root, 'out', 'bundle-inputs.json'), `${JSON.stringify(bundleInputs, null, 2)}\n`);

  const cli = await esbuild.build({
    ...common,
    entryPoints: [path.join(root, 'cli', 'gitops-stack.ts')],
    outfile: path.join(dist, 'cli', 'gitops-stack.js'),
    banner: { js: '#!/usr/bin/env node' },
    write: false,
  });
  writeOutputs(cli.outputFiles);
  fs.chmodSync(path.join(dist, 'cli', 'gitops-stack.js'), 0o755);
  console.log(`build: ${taskNames().length} tasks and the CLI bundled in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
