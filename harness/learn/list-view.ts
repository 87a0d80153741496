/** The course list (`list`, the `l` key): one line per lab, then how many are done and what is next. */
import { bytes } from '../checks/format.ts';
import { bold, dim, green, red, yellow } from '../report/terminal.ts';
import { firstUnfinished, type LabStatus } from './course.ts';

const MARK: Record<LabStatus['state'], string> = {
  done: green('✓'), failing: red('✗'), changed: yellow('~'), unchecked: dim('·'), broken: yellow('!'),
};

const TITLE_MAX = 40;

export function doneCount(labs: LabStatus[]): { done: number; total: number } {
  return { done: labs.filter((l) => l.state === 'done').length, total: labs.length };
}

export function renderCourseList(labs: LabStatus[], current?: string): string[] {
  const { done, total } = doneCount(labs);
  const width = Math.min(TITLE_MAX, Math.max(0, ...labs.map((l) => (l.lesson?.title ?? '').length)));
  const lines = [bold(`${done} of ${total} labs done`)];
  for (const l of labs) {
    const full = l.lesson?.title ?? l.slug;
    const title = (full.length > TITLE_MAX ? `${full.slice(0, TITLE_MAX - 1)}…` : full).padEnd(width);
    const here = l.slug === current ? '›' : ' ';
    const problem = l.state !== 'broken' && l.problem ? yellow(` (${l.problem})`) : '';
    lines.push(`${here} ${MARK[l.state]} ${l.number}  ${title}  ${dim(describe(l))}${problem}`);
  }
  return lines;
}

function describe(l: LabStatus): string {
  const last = l.progress?.last;
  const goals = last ? `${last.goalsMet}/${last.goalsTotal} goals` : '';
  const size = last?.imageSize !== undefined ? `, image ${bytes(last.imageSize)}${l.progress?.starterSize !== undefined ? ` (starter ${bytes(l.progress.starterSize)})` : ''}` : '';
  switch (l.state) {
    case 'done': return `done ${when(l.progress?.firstPassedAt)}; ${goals}${size}`;
    case 'failing': return `${goals}${last?.built === false ? ', the image did not build' : ''}, checked ${when(last?.at)}`;
    case 'changed': return 'passed, but its files changed since: check again';
    case 'unchecked': return l.progress?.firstPassedAt ? `passed ${when(l.progress.firstPassedAt)}; not checked since it was reset` : 'not checked yet';
    case 'broken': return `cannot be worked on yet: ${l.problem ?? 'unknown reason'}`;
  }
}

/** "18:31 today" or "2026-11-24 18:31": when, in the learner's local time. */
export function when(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  const hm = `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  const today = new Date().toDateString() === d.toDateString();
  return today ? `today ${hm}` : `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')} ${hm}`;
}

/** The line saying what to do next. */
export function nextLine(labs: LabStatus[]): string {
  const next = firstUnfinished(labs);
  if (!next) return 'No lab can be worked on yet.';
  if (next.state === 'done') return green('Every lab passes. Well done!');
  return `Next: lab ${next.number} · ${next.lesson?.title ?? next.slug}: read lessons/${next.slug}/README.md, edit labs/${next.slug}/, and run \`npm start\`.`;
}
