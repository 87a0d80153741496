/**
 * `solution <lesson>`: the reference files of a lab the learner has passed, and a unified
 * diff from each of the learner's files to the reference (made with the `diff` package).
 */
import { readdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { StagecraftError } from '../errors.ts';
import type { Lesson } from '../course/lesson.ts';
import { bold, dim, green, red } from '../report/terminal.ts';
import { loadProgress } from './state.ts';

/** The reference and the diffs as lines; throws a StagecraftError while the lab is not passed (without `force`). */
export async function solutionLines(lesson: Lesson, opts: { force?: boolean } = {}): Promise<string[]> {
  const passed = loadProgress().labs[lesson.slug]?.firstPassedAt;
  if (!passed && !opts.force) {
    throw new StagecraftError('usage', `You have not passed lab ${lesson.number} yet, so its solution stays hidden.`,
      `Solve it first: \`npx stagecraft hint ${lesson.number}\` gives one more hint each time. To see it anyway: \`npx stagecraft solution ${lesson.number} --force\`.`);
  }
  if (!existsSync(lesson.solutionDir)) {
    throw new StagecraftError('lab-missing', `Lab ${lesson.number} has no reference solution (solutions/${lesson.slug}/ is missing).`,
      'Restore it from a fresh copy of the course (git clone).');
  }
  const files = (await readdir(lesson.solutionDir, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => path.relative(lesson.solutionDir, path.join(e.parentPath, e.name)))
    .sort((a, b) => (a === 'Dockerfile' ? -1 : b === 'Dockerfile' ? 1 : a.localeCompare(b)));
  const lines = [bold(`Reference solution of lab ${lesson.number} · ${lesson.title}`)];
  if (!passed) lines.push(dim('(shown with --force: you have not passed this lab yet)'));
  for (const rel of files) {
    const reference = await readFile(path.join(lesson.solutionDir, rel), 'utf8');
    lines.push('', bold(`solutions/${lesson.slug}/${rel}`), ...reference.replace(/\n$/, '').split('\n').map((l) => `  ${l}`));
  }
  for (const rel of files) {
    const yours = await readFile(path.join(lesson.labDir, rel), 'utf8').catch(() => undefined);
    const reference = await readFile(path.join(lesson.solutionDir, rel), 'utf8');
    lines.push('', bold(`Your labs/${lesson.slug}/${rel} against the reference:`));
    if (yours === reference) { lines.push(green('  identical')); continue; }
    if (yours === undefined) lines.push(dim('  (you have no such file: all of it is new)'));
    lines.push(...colourPatch(fileDiff(yours === undefined ? '/dev/null' : `labs/${lesson.slug}/${rel}`, `solutions/${lesson.slug}/${rel}`, yours ?? '', reference)));
  }
  return lines;
}

/** A unified diff from `a` (the learner's) to `b` (the reference), without the `Index:` banner. */
export function fileDiff(aName: string, bName: string, a: string, b: string): string[] {
  const patch = createTwoFilesPatch(aName, bName, a, b, 'yours', 'reference', { context: 3 });
  return patch.split('\n').filter((l, i) => !(i === 0 && l.startsWith('Index:')) && !/^=+$/.test(l)).filter((l, i, all) => i < all.length - 1 || l !== '');
}

function colourPatch(lines: string[]): string[] {
  return lines.map((l) => (l.startsWith('+') && !l.startsWith('+++') ? green(l) : l.startsWith('-') && !l.startsWith('---') ? red(l) : l.startsWith('@@') ? dim(l) : l));
}
