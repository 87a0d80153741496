import { describe, expect, it } from 'vitest';
import type { ClassGrades, GoalGrade, LabGrade } from '../../harness/grade/types.ts';
import { labToExercism } from '../../harness/report/grade-exercism.ts';
import { encodeClassroom, studentToClassroom, type ClassroomResult } from '../../harness/report/classroom.ts';
import { toJUnit } from '../../harness/report/junit.ts';
import { toGoalsCsv, toGradebookCsv } from '../../harness/report/gradebook-csv.ts';
import { toGradeHtml } from '../../harness/report/grade-html.ts';

const NASTY = 'size & <layers> "quoted"\u0007 bell';
const XSS = '<script>alert(1)</script>';

const goal = (id: string, status: GoalGrade['status'], maxPoints: number, extra: Partial<GoalGrade> = {}): GoalGrade => ({
  id, title: `goal ${id}`, status, maxPoints, points: status === 'pass' ? maxPoints : 0,
  expected: '< 100 MB', measured: status === 'pass' ? '80 MB' : '300 MB', durationMs: 1500, ...extra,
});

const lab = (student: string, n: 1 | 2, status: LabGrade['status'], goals: GoalGrade[], extra: Partial<LabGrade> = {}): LabGrade => ({
  student, lesson: `0${n}`, slug: n === 1 ? '01-first-image' : '02-layer-cache', title: n === 1 ? 'First image' : 'Layer cache', status,
  points: goals.reduce((s, g) => s + g.points, 0), maxPoints: n === 1 ? 10 : 20, goals,
  durationMs: 4000, gradedAt: '2025-03-01T10:00:00.000Z', engine: 'local', ...extra,
});

const alicePass = lab('alice', 1, 'pass', [goal('builds', 'pass', 4), goal('small', 'pass', 6)]);
const alicePartial = lab('alice', 2, 'fail', [goal('cached', 'pass', 15), goal('order', 'fail', 5, { message: NASTY })]);
const evilError = lab(XSS, 1, 'error', [], { points: 0, reason: 'no Dockerfile & nothing to build' });
const formulaLab = lab('=HYPERLINK("x")', 2, 'pass', [goal('cached', 'pass', 15), goal('order', 'pass', 5)]);

const grades: ClassGrades = {
  lessons: [{ lesson: '01', slug: '01-first-image', title: 'First image', maxPoints: 10 }, { lesson: '02', slug: '02-layer-cache', title: 'Layer cache', maxPoints: 20 }],
  students: ['alice', XSS, '=HYPERLINK("x")'],
  labs: [alicePass, alicePartial, evilError, formulaLab],
};

describe('exercism results for a graded lab', () => {
  it('lists each goal and fails on a failed goal', () => {
    const r = labToExercism(alicePartial);
    expect(r).toMatchObject({ version: 3, status: 'fail' });
    expect(r.tests.map((t) => [t.name, t.status, t.task_id])).toEqual([['goal cached', 'pass', 1], ['goal order', 'fail', 2]]);
    expect(r.tests[1]?.message).toContain('expected < 100 MB, measured 300 MB');
  });
  it('gives an error lab its reason as the message', () => {
    expect(labToExercism(evilError)).toEqual({ version: 3, status: 'error', message: 'no Dockerfile & nothing to build', tests: [] });
  });
});

describe('GitHub Classroom result', () => {
  const decode = (s: string): ClassroomResult => JSON.parse(Buffer.from(s, 'base64').toString('utf8')) as ClassroomResult;

  it('encodes one test per goal, scores summing as the reporter sums them', () => {
    const r = decode(encodeClassroom(studentToClassroom([alicePass, alicePartial])));
    expect(r.version).toBe(1);
    expect(r.status).toBe('fail');
    expect(r.max_score).toBe(30);
    expect(r.tests.map((t) => [t.name, t.status, t.score, t.max_score])).toEqual([
      ['01 goal builds', 'pass', 4, 4], ['01 goal small', 'pass', 6, 6], ['02 goal cached', 'pass', 15, 15], ['02 goal order', 'fail', 0, 5],
    ]);
    expect(r.tests.reduce((s, t) => s + t.score, 0)).toBe(25);
    expect(r.tests.every((t) => t.line_no === 0 && t.test_code.length > 0)).toBe(true);
    expect(r.tests[3]?.message).toContain(NASTY);
  });

  it('turns an error lab into one errored test worth the whole lab', () => {
    const r = studentToClassroom([evilError]);
    expect(r).toMatchObject({ status: 'error', max_score: 10 });
    expect(r.tests).toEqual([expect.objectContaining({ name: '01 First image', status: 'error', score: 0, max_score: 10, message: 'no Dockerfile & nothing to build' })]);
  });
});

describe('JUnit XML', () => {
  const xml = toJUnit(grades);
  const attrs = (tag: string): Record<string, string>[] =>
    [...xml.matchAll(new RegExp(`<${tag}\\s([^>]*?)/?>`, 'g'))].map((m) => Object.fromEntries([...(m[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((a) => [a[1] ?? '', a[2] ?? ''])));

  it('has a root with class totals and one suite per student and lab', () => {
    const [root] = attrs('testsuites');
    // 2 + 2 goals, 1 lab-level error, 2 goals.
    expect(root).toMatchObject({ tests: '7', failures: '1', errors: '1', time: '16.000' });
    const suites = attrs('testsuite');
    expect(suites.map((s) => [s.name, s.tests, s.failures, s.errors])).toEqual([
      ['&lt;script&gt;alert(1)&lt;/script&gt;/01-first-image', '1', '0', '1'],
      ['=HYPERLINK(&quot;x&quot;)/02-layer-cache', '2', '0', '0'],
      ['alice/01-first-image', '2', '0', '0'],
      ['alice/02-layer-cache', '2', '1', '0'],
    ]);
    expect(suites[0]?.timestamp).toBe('2025-03-01T10:00:00');
  });

  it('writes testcases with classname, title, seconds, failure and error', () => {
    expect(xml).toContain('<testcase classname="02-layer-cache" name="goal cached" time="1.500"/>');
    expect(xml).toMatch(/<testcase classname="01-first-image" name="lab 01-first-image" time="0.000">\s*<error message="no Dockerfile &amp; nothing to build" type="error">/);
    expect(xml.match(/<testcase /g)).toHaveLength(7);
    expect(xml.match(/<failure /g)).toHaveLength(1);
  });

  it('escapes markup and strips characters XML 1.0 forbids', () => {
    expect(xml).toContain('<failure message="size &amp; &lt;layers&gt; &quot;quoted&quot; bell" type="fail">');
    expect(xml).not.toContain('\u0007');
    expect(xml).not.toContain('<script>');
    // Every & starts an entity, and no raw < appears inside an attribute.
    expect(xml.match(/&(?!amp;|lt;|gt;|quot;|apos;|#\d+;)/g)).toBeNull();
    for (const m of xml.matchAll(/="([^"]*)"/g)) expect(m[1]).not.toMatch(/[<&](?!amp;|lt;|gt;|quot;|apos;|#\d+;)/);
  });
});

describe('gradebook CSV', () => {
  const lines = toGradebookCsv(grades).split('\r\n');

  it('has one sorted row per student with totals over every lesson', () => {
    expect(lines[0]).toBe('student,01-first-image,02-layer-cache,total,max');
    expect(lines.slice(1)).toEqual([
      '<script>alert(1)</script>,0,,0,30',
      `"'=HYPERLINK(""x"")",,20,20,30`,
      'alice,10,15,25,30',
      '',
    ]);
  });

  it('writes one row per goal, and a row for a lab with no goals', () => {
    const goals = toGoalsCsv(grades).split('\r\n');
    expect(goals[0]).toBe('student,lesson,goal,status,points,max_points,measured,expected,message');
    expect(goals).toContain('<script>alert(1)</script>,01-first-image,,error,0,10,,,no Dockerfile & nothing to build');
    expect(goals).toContain('alice,02-layer-cache,order,fail,0,5,300 MB,< 100 MB,"size & <layers> ""quoted"" bell"');
    expect(goals).toHaveLength(1 + 1 + 2 + 2 + 2 + 1);
  });

  it('guards every text cell against formulas, even behind a control character', () => {
    const g: ClassGrades = { ...grades, students: [], labs: [lab('\u0007@SUM(A1)', 1, 'fail', [goal('x', 'fail', 10, { measured: '-2+3', expected: '+1' })])] };
    expect(toGradebookCsv(g).split('\r\n')[1]).toBe("'@SUM(A1),0,,0,30");
    expect(toGoalsCsv(g).split('\r\n')[1]).toBe("'@SUM(A1),01-first-image,x,fail,0,10,'-2+3,'+1,");
  });
});

describe('grade HTML', () => {
  const html = toGradeHtml(grades, { title: 'Class <A>' });

  it('is one self-contained page', () => {
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).not.toMatch(/<script|<link|src=|url\(/i);
    expect(html).toContain("default-src 'none'");
    expect(html).toContain('<title>Class &lt;A&gt;</title>');
  });

  it('escapes untrusted names and messages', () => {
    expect(html).not.toContain(XSS);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('size &amp; &lt;layers&gt; &quot;quoted&quot; bell');
    expect(html).not.toContain('\u0007');
    expect(html).toContain('no Dockerfile &amp; nothing to build');
  });

  it('shows points per lab, totals and per-goal measured vs expected', () => {
    expect(html).toContain('<td class="n pass" title="pass">10/10</td>');
    expect(html).toContain('<td class="n fail" title="fail">15/20</td>');
    expect(html).toMatch(/<td class="n error" title="error: no Dockerfile &amp; nothing to build">0\/10<\/td>/);
    expect(html).toMatch(/alice<\/a><\/td>.*<strong>25\/30<\/strong>/);
    expect(html).toContain('<pre>300 MB</pre></td><td><pre>&lt; 100 MB</pre>');
    expect(html.match(/<section id="student-\d+">/g)).toHaveLength(3);
  });
});
