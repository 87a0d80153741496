import path from 'node:path';
import { parseArgs } from 'node:util';
import { lessonSlugs } from '../course/registry.ts';
import { StagecraftError } from '../errors.ts';
import { gradeClass } from '../grade/grade-class.ts';
import { mergeShards } from '../grade/merge.ts';
import { parseShard } from '../grade/plan.ts';
import { gradedLesson, writeOutputs } from '../grade/write-outputs.ts';
import { cancelOnSigint } from './progress.ts';

const USAGE = `Usage:
  npx stagecraft grade <submissions> --out DIR [--lessons 01,02] [--jobs N] [--engines N] [--shard i/n]
                       [--build-timeout S] [--lab-timeout S]
  npx stagecraft grade merge <shard-out>... --out DIR

<submissions> holds one folder, .zip or .tar.gz per student (a clone of the course, or its lab folders).
Results in DIR: gradebook.csv, goals.csv, junit.xml, report.html, students/<id>/ (exercism results.json per
lab, GitHub Classroom classroom.b64). Stop it any time; the same command continues where it stopped.`;

const positiveInt = (name: string, text: string | undefined, fallback: number): number => {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new StagecraftError('usage', `--${name} wants a whole number of at least 1, not "${text}".`);
  return n;
};

/** `stagecraft grade`: 0 when every lab was graded (whatever the grades), 2 when the run could not finish. */
export async function gradeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: 'string' }, lessons: { type: 'string' }, jobs: { type: 'string' }, engines: { type: 'string' }, shard: { type: 'string' },
      'build-timeout': { type: 'string' }, 'lab-timeout': { type: 'string' }, help: { type: 'boolean', default: false },
    },
  });
  if (values.help) { console.log(USAGE); return 0; }
  if (!values.out) throw new StagecraftError('usage', 'Where should the results go? Add --out DIR.', USAGE);
  const out = path.resolve(values.out);

  if (positionals[0] === 'merge') {
    const dirs = positionals.slice(1).map((d) => path.resolve(d));
    if (!dirs.length) throw new StagecraftError('usage', 'Which shard folders? `stagecraft grade merge shard-1 shard-2 --out class`.');
    const merged = await mergeShards(dirs, out);
    // The lessons are the ones the shards graded: their columns come from the grades themselves.
    const { files, grades } = await writeOutputs(out, []);
    console.log(`Merged ${merged} grades from ${dirs.length} shards: ${grades.students.length} students, ${grades.labs.length} labs. Wrote ${files.length} files in ${out}.`);
    return 0;
  }

  const submissions = positionals[0];
  if (!submissions) throw new StagecraftError('usage', 'Which class? `stagecraft grade submissions/ --out results/`.', USAGE);
  const lessonNumbers = values.lessons ? values.lessons.split(',').map((s) => s.trim()).filter(Boolean) : lessonSlugs().map((s) => s.slice(0, 2));
  const jobs = positiveInt('jobs', values.jobs, 1);
  const cancel = cancelOnSigint();
  const limits = {
    ...(values['build-timeout'] ? { buildTimeoutMs: positiveInt('build-timeout', values['build-timeout'], 1) * 1000 } : {}),
    ...(values['lab-timeout'] ? { labTimeoutMs: positiveInt('lab-timeout', values['lab-timeout'], 1) * 1000 } : {}),
  };
  try {
    const result = await gradeClass({
      submissions: path.resolve(submissions), out, lessons: lessonNumbers, jobs, engines: positiveInt('engines', values.engines, 1),
      shard: parseShard(values.shard), limits, signal: cancel.signal,
      onProgress: (line) => process.stderr.write(`${line}\n`),
      onGrade: (g, done, total) => process.stderr.write(`[${done}/${total}] ${g.student} ${g.slug}: ${g.status} ${g.points}/${g.maxPoints}${g.reason ? ` (${g.reason.slice(0, 160)})` : ''} ${(g.durationMs / 1000).toFixed(1)} s\n`),
    });
    if (cancel.signal.aborted) {
      process.stderr.write(`Stopped. ${result.graded} labs were graded and saved; run the same command to continue.\n`);
      return 2;
    }
    const { files, grades } = await writeOutputs(out, result.lessons.map(gradedLesson), result.students.map((s) => s.id));
    const total = grades.labs.reduce((n, l) => n + l.points, 0);
    const max = grades.labs.reduce((n, l) => n + l.maxPoints, 0);
    console.log(`Graded ${result.graded} labs (${result.resumed} from an earlier run) of ${result.students.length} students in ${(result.durationMs / 1000).toFixed(0)} s: ${total}/${max} points.`);
    if (result.skipped.length) console.log(`Skipped: ${result.skipped.map((s) => `${s.name} (${s.reason})`).join('; ')}`);
    console.log(`Wrote ${files.length} files in ${out}: gradebook.csv, goals.csv, junit.xml, report.html, students/`);
    return 0;
  } finally {
    cancel.release();
  }
}
