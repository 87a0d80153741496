/**
 * The hostile-submission corpus (test/fixtures/hostile-class, plus a few made here that git
 * cannot hold or that need this machine's facts), graded for real on isolated engines. Each
 * submission must get its verdict, with its reason, within its time, and leave nothing.
 */
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { $ } from 'zx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker } from '../../harness/engine/docker.ts';
import { GRADE_LABEL } from '../../harness/engine/labels.ts';
import { gradeClass, type GradeClassResult } from '../../harness/grade/grade-class.ts';
import { loadGrades } from '../../harness/grade/results-store.ts';
import type { LabGrade } from '../../harness/grade/types.ts';
import { writeOutputs, gradedLesson } from '../../harness/grade/write-outputs.ts';
import { debianArchive } from '../../harness/images/debian-archive.ts';
import { repoRoot } from '../../harness/paths.ts';

const LAB = 'labs/01-build-context';
const FIXTURES = path.join(repoRoot, 'test/fixtures/hostile-class');
const LIMITS = { buildTimeoutMs: 25_000, startupTimeoutMs: 8_000, labTimeoutMs: 120_000, imageBytes: 1024 ** 3 };

interface Expected {
  status: LabGrade['status'];
  reason?: RegExp;
  /** Wall clock for this lab, seconds. */
  within: number;
  /** A goal that must fail, when the lab is graded. */
  failing?: string;
}

const EXPECTED: Record<string, Expected> = {
  good: { status: 'pass', within: 60 },
  // The engine's cgroup caps the processes: the bomb fizzles, the machine is fine, and the
  // lab is graded as what it is (no dependencies installed, so the app cannot start).
  'fork-bomb': { status: 'fail', failing: 'serves-http', within: 60 },
  'endless-run': { status: 'error', reason: /did not finish within 25 s/, within: 60 },
  'never-listens': { status: 'fail', failing: 'serves-http', within: 60 },
  'huge-layer': { status: 'error', reason: /over the grading limit|did not finish/, within: 120 },
  'memory-hog': { status: 'error', reason: /exit code: 137|killed|out of memory/i, within: 60 },
  'output-flood': { status: 'pass', within: 90 },
  insecure: { status: 'error', reason: /--security=insecure/, within: 5 },
  'host-network': { status: 'error', reason: /--network=host/, within: 5 },
  'syntax-frontend': { status: 'error', reason: /syntax/, within: 5 },
  'does-not-parse': { status: 'error', reason: /parse|invalid/i, within: 20 },
  'missing-dockerfile': { status: 'error', reason: /Dockerfile/, within: 5 },
  'symlink-out': { status: 'error', reason: /symlink|outside/i, within: 5 },
  'binary-junk': { status: 'error', reason: /binary|text|UTF-8/i, within: 5 },
  // Made below:
  'network-attempt': { status: 'error', reason: /did not build.*exit code/, within: 60 },
  // Its app serves only once it has failed to reach the archive: it passes only if blocked.
  'network-attempt-at-run': { status: 'pass', within: 60 },
  'thousands-of-files': { status: 'pass', within: 60 },
  'zipped-good': { status: 'pass', within: 60 },
  'tar-traversal': { status: 'error', reason: /\.\.|outside|unsafe/i, within: 5 },
};

let classDir: string;
let out: string;
let result: GradeClassResult;
let grades: Map<string, LabGrade>;

async function makeGenerated(dir: string): Promise<void> {
  const solution = await readFile(path.join(repoRoot, 'solutions/01-build-context/Dockerfile'), 'utf8');
  // The Debian archive is the one outside host reachable here: a build step tries it directly.
  const archive = debianArchive().main;
  const net = path.join(dir, 'network-attempt', LAB);
  await mkdir(net, { recursive: true });
  await writeFile(path.join(net, 'Dockerfile'), solution.replace('RUN npm ci --omit=dev',
    `RUN npm ci --omit=dev\nRUN node -e "fetch('${archive}').then(() => console.log('REACHED THE ARCHIVE'), (e) => { console.log('blocked:', e.cause?.code ?? e.message); process.exit(1); })"`));

  const atRun = path.join(dir, 'network-attempt-at-run', LAB);
  await mkdir(atRun, { recursive: true });
  await cp(path.join(repoRoot, 'solutions/01-build-context/.dockerignore'), path.join(atRun, '.dockerignore'));
  await writeFile(path.join(atRun, 'Dockerfile'), solution.replace(/^CMD .*$/m,
    `CMD ["node", "-e", "fetch('${archive}', { signal: AbortSignal.timeout(3000) }).then(() => process.exit(3), () => require('./server.js'))"]`));

  const many = path.join(dir, 'thousands-of-files', LAB);
  await mkdir(path.join(many, 'junk'), { recursive: true });
  // A comment makes each submission its own: identical ones are graded once (grade-class.ts).
  await writeFile(path.join(many, 'Dockerfile'), `${solution}# thousands-of-files\n`);
  await cp(path.join(repoRoot, 'solutions/01-build-context/.dockerignore'), path.join(many, '.dockerignore'));
  await Promise.all(Array.from({ length: 3000 }, (_, i) => writeFile(path.join(many, 'junk', `f${i}.txt`), `junk ${i}\n`)));

  const zipped = await mkdtemp(path.join(os.tmpdir(), 'stagecraft-zip-'));
  await mkdir(path.join(zipped, LAB), { recursive: true });
  await cp(path.join(repoRoot, 'solutions/01-build-context'), path.join(zipped, LAB), { recursive: true });
  await writeFile(path.join(zipped, LAB, 'Dockerfile'), `${solution}# zipped\n`);
  await $({ cwd: zipped, quiet: true })`zip -qr ${path.join(dir, 'zipped-good.zip')} labs`;
  await rm(zipped, { recursive: true, force: true });

  // An archive entry that climbs out of the folder it is unpacked into.
  const evil = await mkdtemp(path.join(os.tmpdir(), 'stagecraft-tar-'));
  await mkdir(path.join(evil, 'a'), { recursive: true });
  await writeFile(path.join(evil, 'escape.txt'), 'outside\n');
  await $({ cwd: path.join(evil, 'a'), quiet: true })`tar -czf ${path.join(dir, 'tar-traversal.tar.gz')} --absolute-names ../escape.txt`;
  await rm(evil, { recursive: true, force: true });

  // Junk beside the students: skipped with a reason, not graded.
  await writeFile(path.join(dir, 'notes.txt'), 'not a submission\n');
}

beforeAll(async () => {
  classDir = await mkdtemp(path.join(os.tmpdir(), 'stagecraft-hostile-'));
  await cp(FIXTURES, classDir, { recursive: true, verbatimSymlinks: true });
  await makeGenerated(classDir);
  out = await mkdtemp(path.join(os.tmpdir(), 'stagecraft-hostile-out-'));
  result = await gradeClass({ submissions: classDir, out, lessons: ['01'], jobs: 2, engines: 1, limits: LIMITS });
  grades = new Map((await loadGrades(out)).map((g) => [g.student, g]));
});

afterAll(async () => {
  await rm(classDir, { recursive: true, force: true });
  await rm(out, { recursive: true, force: true });
});

describe('the hostile-submission corpus', () => {
  it('grades every submission and skips the junk beside them', () => {
    expect(result.skipped.map((s) => s.name)).toEqual(['notes.txt']);
    expect([...grades.keys()].sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [student, want] of Object.entries(EXPECTED)) {
    it(`${student}: ${want.status}${want.reason ? ` (${want.reason.source})` : ''} within ${want.within} s`, () => {
      const g = grades.get(student);
      expect(g, `no grade for ${student}`).toBeDefined();
      if (!g) return;
      expect({ status: g.status, reason: g.reason }).toMatchObject({ status: want.status });
      if (want.reason) expect(g.reason ?? '').toMatch(want.reason);
      if (want.failing) expect(g.goals.find((x) => x.id === want.failing)?.status).toBe('fail');
      expect(g.durationMs / 1000).toBeLessThan(want.within);
      expect(g.sameAs).toBeUndefined();
      expect(g.points).toBe(g.status === 'pass' ? g.maxPoints : g.goals.reduce((n, x) => n + x.points, 0));
    });
  }

  it('leaves nothing of the run in the engine', async () => {
    const label = [GRADE_LABEL];
    expect((await docker().listContainers({ all: true, filters: { label } })).length).toBe(0);
    expect((await docker().listImages({ filters: { label } })).length).toBe(0);
    expect((await docker().listNetworks({ filters: { label } })).length).toBe(0);
    expect((await $({ nothrow: true, quiet: true })`pgrep -f scge-`).stdout.trim()).toBe('');
  });

  it('writes every format from the one run', async () => {
    const { files } = await writeOutputs(out, result.lessons.map(gradedLesson));
    expect(files).toEqual(expect.arrayContaining(['gradebook.csv', 'goals.csv', 'junit.xml', 'report.html', 'students/good/classroom.b64', 'students/good/01-build-context/results.json']));
    const csv = await readFile(path.join(out, 'gradebook.csv'), 'utf8');
    expect(csv).toMatch(/^student,01-build-context,total,max/);
    const good = grades.get('good');
    expect(csv).toContain(`good,${good?.points}`);
  });
});
