import type { PlannedStep } from '../lib/stack/plan';

/** The plan as a person reads it: per task, its inputs as a table and what it would do. */
export function formatPlan(file: string, steps: PlannedStep[]): string {
  const lines = [`Plan for ${file}: ${steps.length} task steps`, ''];
  steps.forEach((step, index) => {
    lines.push(`${index + 1}. ${step.title}  (tasks/${step.task})`);
    const entries = Object.entries(step.inputs);
    const width = Math.max(...entries.map(([name]) => name.length));
    for (const [name, value] of entries) {
      const text = String(value).split('\n');
      lines.push(`     ${name.padEnd(width)}  ${text[0]}`);
      for (const more of text.slice(1)) lines.push(`     ${''.padEnd(width)}  ${more}`);
    }
    lines.push('   would:');
    for (const action of step.actions) lines.push(`     ${action.startsWith('  ') ? action : `- ${action}`}`);
    if (step.diff !== undefined) {
      lines.push(step.diff ? '   diff against the preview folder:' : '   diff against the preview folder: none (already there)');
      for (const line of step.diff.trimEnd().split('\n').filter(Boolean)) lines.push(`     ${line}`);
    }
    lines.push('');
  });
  return lines.join('\n').trimEnd();
}
