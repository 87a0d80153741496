import type { LabReport } from '../checks/check-lab.ts';
import type { Verdict } from '../checks/goal.ts';
import { bytes, seconds } from '../checks/format.ts';
import type { StagecraftError } from '../errors.ts';
import type { LintFinding } from '../lint/rules.ts';

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: number) => (s: string): string => (color ? `\u001b[${code}m${s}\u001b[0m` : s);
export const green = paint(32);
export const red = paint(31);
export const yellow = paint(33);
export const dim = paint(2);
export const bold = paint(1);

export function verdictLine(v: Verdict): string {
  const mark = v.status === 'pass' ? green('✓') : v.status === 'fail' ? red('✗') : yellow('!');
  return `  ${mark} ${v.title} ${dim(`(${v.measured}${v.status === 'pass' ? '' : `; expected ${v.expected}`})`)}`;
}

/** The whole report: each goal, then the first failure's message and hint. */
export function renderReport(r: LabReport): string {
  const lines: string[] = [];
  const passed = r.verdicts.filter((v) => v.status === 'pass').length;
  lines.push(bold(`Lab ${r.lesson.slug}: ${r.lesson.title}`));
  if (r.build.outcome !== 'built') {
    lines.push(red(`  The image did not build: ${r.build.reason ?? ''}`));
    if (r.build.failedStepOutput.length) lines.push(dim(r.build.failedStepOutput.map((l) => `    | ${l}`).join('\n')));
  }
  for (const v of r.verdicts) lines.push(verdictLine(v));
  const first = r.verdicts.find((v) => v.status !== 'pass');
  if (first) {
    lines.push('');
    lines.push(`${red('First failed goal:')} ${first.title}`);
    if (first.message) lines.push(`  ${first.message}`);
    lines.push(`  ${yellow('hint:')} ${first.hint}`);
  }
  const size = r.image?.size !== undefined ? `, image ${bytes(r.image.size)}` : '';
  lines.push('');
  lines.push(`${passed === r.verdicts.length ? green(`${passed}/${r.verdicts.length} goals met`) : `${passed}/${r.verdicts.length} goals met`}${size}, checked in ${seconds(r.durationMs)}.`);
  if (r.lint) lines.push('', ...lintLines(r.lint));
  return lines.join('\n');
}

/** Docker's build checks on the Dockerfile: a heading, then one line per finding. */
export function lintLines(findings: LintFinding[], file = 'Dockerfile'): string[] {
  if (!findings.length) return [`${bold('Lint')} (Docker's build checks): ${green('no findings')}.`];
  const out = [`${bold('Lint')} (Docker's build checks): ${yellow(`${findings.length} finding${findings.length === 1 ? '' : 's'}`)}`];
  for (const f of findings) out.push(`  ${file}:${f.line}  ${yellow(f.rule)}  ${f.message}${f.skipped ? dim(' (skipped by # check=skip)') : ''}`);
  return out;
}

/** An expected failure: one line of reason and one of what to do. */
export function renderError(e: StagecraftError): string {
  return `${red('error:')} ${e.message}${e.fix ? `\n${yellow('fix:')} ${e.fix}` : ''}`;
}
