#!/usr/bin/env node
// Writes each task's input and output tables into docs/tasks/<task>.md between
// the `<!-- inputs -->` and `<!-- /inputs -->` markers, from its task.json.
// `--check` exits 1 when a page is out of date (the tests run it).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const check = process.argv.includes('--check');
const cell = (text) =>
  String(text ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\n/g, ' ');

function table(task) {
  const rows = ['| input | type | required | default | rule and notes |', '| --- | --- | --- | --- | --- |'];
  for (const input of task.inputs) {
    const notes = [
      input.options &&
        `one of: ${Object.keys(input.options)
          .map((o) => `\`${o}\``)
          .join(', ')}`,
      input.validation && `${input.validation.message ?? input.validation.expression}`,
      input.visibleRule && `only when \`${input.visibleRule}\``,
      input.properties?.isSecret === 'true' && 'secret: registered and never logged',
      input.helpMarkDown,
    ].filter(Boolean);
    rows.push(
      `| \`${input.name}\` | ${cell(input.type)} | ${input.required ? 'yes' : 'no'} | ${input.defaultValue ? `\`${cell(input.defaultValue)}\`` : ''} | ${cell(notes.join('; '))} |`,
    );
  }
  rows.push('', '| output variable | meaning |', '| --- | --- |');
  for (const output of task.outputVariables ?? []) rows.push(`| \`${output.name}\` | ${cell(output.description)} |`);
  return rows.join('\n');
}

let stale = 0;
for (const name of fs.readdirSync(path.join(root, 'tasks')).sort()) {
  const taskJson = path.join(root, 'tasks', name, 'task.json');
  if (!fs.existsSync(taskJson)) continue;
  const page = path.join(root, 'docs', 'tasks', `${name}.md`);
  const text = fs.readFileSync(page, 'utf8');
  const updated = text.replace(
    /<!-- inputs -->[\s\S]*<!-- \/inputs -->/,
    `<!-- inputs -->\n${table(JSON.parse(fs.readFileSync(taskJson, 'utf8')))}\n<!-- /inputs -->`,
  );
  if (updated === text) continue;
  if (check) {
    console.error(`docs/tasks/${name}.md is out of date: run npm run docs`);
    stale++;
  } else {
    fs.writeFileSync(page, updated);
    console.log(`docs/tasks/${name}.md updated`);
  }
}
process.exit(stale ? 1 : 0);
