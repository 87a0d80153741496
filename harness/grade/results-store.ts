/**
 * Finished grades on disk, one small JSON file per student and lab, written atomically
 * (a temp file renamed over): a run that is killed at any point leaves every file either
 * whole or absent, so the next run with the same command skips exactly what is done.
 */
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { LabGrade } from './types.ts';

export const resultsDir = (out: string): string => path.join(out, 'results');
const fileOf = (out: string, student: string, lesson: string): string => path.join(resultsDir(out), student, `${lesson}.json`);

export function hasGrade(out: string, student: string, lesson: string): boolean {
  return existsSync(fileOf(out, student, lesson));
}

/** Writes a whole file or nothing, even across kill -9 or power loss of the writer. */
export async function writeAtomic(file: string, content: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, content);
  await rename(tmp, file);
}

export async function saveGrade(out: string, grade: LabGrade): Promise<void> {
  await writeAtomic(fileOf(out, grade.student, grade.lesson), `${JSON.stringify(grade, null, 2)}\n`);
}

/** Every finished grade under `out` (temp files of an interrupted write are ignored). */
export async function loadGrades(out: string): Promise<LabGrade[]> {
  const root = resultsDir(out);
  const grades: LabGrade[] = [];
  const students = await readdir(root, { withFileTypes: true }).catch(() => []);
  for (const s of students) {
    if (!s.isDirectory()) continue;
    for (const f of await readdir(path.join(root, s.name))) {
      if (!f.endsWith('.json')) continue;
      grades.push(JSON.parse(await readFile(path.join(root, s.name, f), 'utf8')) as LabGrade);
    }
  }
  return grades;
}
