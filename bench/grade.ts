/**
 * Grading throughput: a generated class (students x lessons; correct, wrong and hostile
 * submissions mixed) graded with `--jobs 1`, `--jobs 2` and two engines, from an empty
 * results folder each time. Every submission differs (a comment with the student's name),
 * so nothing is graded once for two students.
 *
 *   npm run bench -- grade [--students 30] [--lessons 01,02,...] [--modes 1,2,2x2]
 *
 * Modes: `J` is --jobs J on one engine, `JxE` is --jobs J over E engines.
 */
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { lessonSlugs, loadLesson } from '../harness/course/registry.ts';
import type { Lesson } from '../harness/course/lesson.ts';
import { gradeClass } from '../harness/grade/grade-class.ts';
import { loadGrades } from '../harness/grade/results-store.ts';

type Kind = 'correct' | 'wrong' | 'hostile';
/** 6 in 10 correct, 3 wrong (the starter), 1 hostile (in turn: a RUN that never ends, a fork bomb, a refused Dockerfile). */
const kindOf = (i: number): Kind => (['correct', 'wrong', 'correct', 'correct', 'wrong', 'correct', 'hostile', 'correct', 'wrong', 'correct'] as const)[i % 10] ?? 'correct';

/** student/lesson -> what was handed in, to report the grades that are not what the kind predicts. */
const handedIn = new Map<string, Kind>();

async function makeClass(dir: string, students: number, lessons: Lesson[]): Promise<Record<Kind, number>> {
  const counts: Record<Kind, number> = { correct: 0, wrong: 0, hostile: 0 };
  for (let s = 0; s < students; s++) {
    const id = `student-${String(s + 1).padStart(2, '0')}`;
    for (const [l, lesson] of lessons.entries()) {
      const kind = kindOf(s + l);
      counts[kind]++;
      handedIn.set(`${id}/${lesson.number}`, kind);
      const lab = path.join(dir, id, 'labs', lesson.slug);
      await mkdir(lab, { recursive: true });
      await cp(kind === 'correct' ? lesson.solutionDir : lesson.labDir, lab, { recursive: true });
      const dockerfile = path.join(lab, 'Dockerfile');
      let text = await readFile(dockerfile, 'utf8');
      if (kind === 'hostile') text = text.replace(/^(FROM .*)$/m, `$1\n${HOSTILE[counts.hostile % HOSTILE.length] ?? ''}`);
      await writeFile(dockerfile, `${text}\n# ${id}\n`);
    }
  }
  return counts;
}

const HOSTILE = ['RUN sleep infinity', "RUN bash -c 'bomb() { bomb | bomb & }; bomb; wait'", 'RUN --network=host true'];

const min = (ms: number): string => `${(ms / 60_000).toFixed(1)} min`;

export async function benchGrade(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { students: { type: 'string', default: '30' }, lessons: { type: 'string' }, modes: { type: 'string', default: '1,2,2x2' } } });
  const lessons = await Promise.all((values.lessons?.split(',') ?? lessonSlugs()).map((q) => loadLesson(q)));
  const students = Number(values.students);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'stagecraft-bench-class-'));
  const counts = await makeClass(dir, students, lessons);
  const labs = students * lessons.length;
  console.log(`Grading ${students} students x ${lessons.length} lessons = ${labs} labs (${counts.correct} correct, ${counts.wrong} wrong, ${counts.hostile} hostile: endless RUN steps stopped by a 120 s build limit, fork bombs, refused Dockerfiles)`);
  const results: { mode: string; ms: number }[] = [];
  try {
    for (const mode of values.modes.split(',')) {
      const [jobs = 1, engines = 1] = mode.split('x').map(Number);
      const out = await mkdtemp(path.join(os.tmpdir(), 'stagecraft-bench-grades-'));
      const t0 = performance.now();
      await gradeClass({ submissions: dir, out, lessons: lessons.map((l) => l.number), jobs, engines, limits: { buildTimeoutMs: 120_000 },
        onGrade: (g, done, total) => { if (done % 10 === 0 || done === total) process.stderr.write(`  ${done}/${total} labs graded (${min(performance.now() - t0)})\n`); } });
      const ms = performance.now() - t0;
      const grades = await loadGrades(out);
      results.push({ mode, ms });
      const perLesson = lessons.map((l) => {
        const mine = grades.filter((g) => g.lesson === l.number);
        return `${l.number} ${(mine.reduce((n, g) => n + g.durationMs, 0) / Math.max(1, mine.length) / 1000).toFixed(1)} s`;
      });
      console.log(`\n--jobs ${jobs}, ${engines} engine${engines > 1 ? 's' : ''}: ${min(ms)} for ${grades.length} labs, ${(grades.length / (ms / 60_000)).toFixed(1)} labs per minute`);
      console.log(`  time per lab (mean, by lesson): ${perLesson.join(', ')}`);
      console.log(`  statuses: ${['pass', 'fail', 'error'].map((s) => `${grades.filter((g) => g.status === s).length} ${s}`).join(', ')}`);
      // A correct submission that does not pass, or a starter that does, is worth a look.
      for (const g of grades) {
        const kind = handedIn.get(`${g.student}/${g.lesson}`);
        if ((kind === 'correct') === (g.status === 'pass')) continue;
        if (kind === 'hostile') continue;
        const why = g.reason ?? g.goals.filter((x) => x.status !== 'pass').map((x) => `${x.id}: ${x.message ?? x.measured}`).join('; ');
        console.log(`  unexpected: ${g.student} ${g.slug} (${kind}) ${g.status}: ${why.slice(0, 240)}`);
      }
      await rm(out, { recursive: true, force: true });
    }
    const base = results[0];
    if (base) for (const r of results.slice(1)) console.log(`speed-up of ${r.mode} over ${base.mode}: ${(base.ms / r.ms).toFixed(2)}x`);
    const full = 300;
    if (base) console.log(`\nTarget: 30 students x 10 labs within 15 min. At the best rate measured here: ${min(Math.min(...results.map((r) => r.ms)) / labs * full)} for ${full} labs.`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
