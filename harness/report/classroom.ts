import type { VerdictStatus } from '../checks/goal.ts';
import type { LabGrade } from '../grade/types.ts';

/*
 * GitHub Classroom's autograding result, as the graders emit it and the reporter reads it.
 * - classroom-resources/autograding-command-grader src/main.js (generateResult): a step output
 *   `result` = base64(JSON {version: 1, status, max_score, tests: [{name, status, score, message,
 *   test_code, filename, line_no, duration}]}).
 * - classroom-resources/autograding-grading-reporter src/main.js: for each runner id it decodes
 *   env `<ID>_RESULTS` (id upper-cased) from base64; the job fails if any runner's status is
 *   fail or error. src/notify-classroom.js and src/helpers/test-helpers.js: points = the sum of
 *   every test's `score`, out of the runner's top-level `max_score` (a runner whose max_score is
 *   0 is skipped). So every test needs a numeric score (a missing one sums to NaN) and max_score
 *   must be the sum of the tests' max_score; test-level max_score is informational only.
 * - console-results.js prints " - line N" unless line_no === 0, so line_no is always 0 here.
 */
export interface ClassroomTest {
  name: string;
  status: VerdictStatus;
  message?: string;
  test_code: string;
  filename: string;
  line_no: number;
  duration: number;
  score: number;
  max_score: number;
}

export interface ClassroomResult {
  version: 1;
  status: VerdictStatus;
  max_score: number;
  tests: ClassroomTest[];
}

function labTests(lab: LabGrade): ClassroomTest[] {
  const file = `${lab.slug}/Dockerfile`;
  if (lab.status === 'error' || lab.goals.length === 0) {
    // An ungradable lab (or one with no goal to list) still counts its whole weight, so the total shows what is missing.
    const message = lab.status === 'error' ? lab.reason ?? 'The lab could not be graded.' : lab.reason;
    return [{ name: `${lab.lesson} ${lab.title}`, status: lab.status, ...(message ? { message } : {}), test_code: `lab ${lab.slug}`, filename: file, line_no: 0, duration: lab.durationMs, score: lab.status === 'error' ? 0 : lab.points, max_score: lab.maxPoints }];
  }
  return lab.goals.map((g) => ({
    name: `${lab.lesson} ${g.title}`,
    status: g.status,
    ...(g.status === 'pass' ? {} : { message: [g.message, `expected ${g.expected}, measured ${g.measured}`].filter(Boolean).join('\n') }),
    test_code: `goal ${g.id}: ${g.expected}`,
    filename: file,
    line_no: 0,
    duration: g.durationMs,
    score: g.points,
    max_score: g.maxPoints,
  }));
}

/** One student's labs as one Classroom runner result: one test per goal. */
export function studentToClassroom(labs: LabGrade[]): ClassroomResult {
  const tests = labs.flatMap(labTests);
  const status: VerdictStatus = tests.some((t) => t.status === 'error') ? 'error' : tests.some((t) => t.status === 'fail') || labs.some((l) => l.status === 'fail') ? 'fail' : 'pass';
  return { version: 1, status, max_score: tests.reduce((sum, t) => sum + t.max_score, 0), tests };
}

/** The value for `<ID>_RESULTS` (or a step's `result` output). */
export function encodeClassroom(r: ClassroomResult): string {
  return Buffer.from(JSON.stringify(r), 'utf8').toString('base64');
}
