import type { ClassGrades, LabGrade } from '../grade/types.ts';

/**
 * A text cell, RFC 4180 quoted. Spreadsheets run a cell that starts with = + - @ (or a tab/CR,
 * which some strip first) as a formula, and student names and build output are untrusted:
 * a leading apostrophe keeps it text (OWASP "CSV injection"). Control characters (ANSI colours,
 * bells) go first, so they can neither break importers nor hide a leading =.
 */
export function csvText(s: string): string {
  const text = s.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, '').replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, '');
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

// Numbers are ours, never a formula; rounded so float sums do not print 0.30000000000000004.
const csvNumber = (n: number): string => String(Math.round(n * 1000) / 1000);

// RFC 4180 lines end in CRLF.
const csv = (rows: string[][]): string => rows.map((r) => r.join(',')).join('\r\n') + '\r\n';

const byName = (a: string, b: string): number => a.localeCompare(b, 'en', { sensitivity: 'base' }) || (a < b ? -1 : a > b ? 1 : 0);

/** Every student, listed or only graded, in name order. */
function students(grades: ClassGrades): string[] {
  return [...new Set([...grades.students, ...grades.labs.map((l) => l.student)])].sort(byName);
}

/** The course's lessons in course order, then any graded lab the list does not name. */
function columns(grades: ClassGrades): { slug: string; maxPoints: number }[] {
  const known = new Set(grades.lessons.map((l) => l.slug));
  const extra = [...new Set(grades.labs.map((l) => l.slug).filter((s) => !known.has(s)))].sort();
  return [...grades.lessons, ...extra.map((slug) => ({ slug, maxPoints: 0 }))];
}

/** student -> slug -> lab; a lab later in the list (a re-grade) replaces an earlier one. */
function index(labs: LabGrade[]): Map<string, Map<string, LabGrade>> {
  const m = new Map<string, Map<string, LabGrade>>();
  for (const lab of labs) {
    const row = m.get(lab.student) ?? new Map<string, LabGrade>();
    row.set(lab.slug, lab);
    m.set(lab.student, row);
  }
  return m;
}

/**
 * The gradebook: one row per student, one column per lesson (points; empty when not graded,
 * 0 for a lab that could not be graded), then total and max. max counts every lesson, graded
 * or not, at the graded lab's weight when there is one, so a missing lab shows as missing points.
 */
export function toGradebookCsv(grades: ClassGrades): string {
  const cols = columns(grades);
  const labs = index(grades.labs);
  const rows = students(grades).map((student) => {
    const row = labs.get(student);
    let total = 0;
    let max = 0;
    const cells = cols.map((c) => {
      const lab = row?.get(c.slug);
      max += lab?.maxPoints ?? c.maxPoints;
      if (!lab) return '';
      const points = lab.status === 'error' ? 0 : lab.points;
      total += points;
      return csvNumber(points);
    });
    return [csvText(student), ...cells, csvNumber(total), csvNumber(max)];
  });
  return csv([['student', ...cols.map((c) => csvText(c.slug)), 'total', 'max'], ...rows]);
}

/**
 * One row per student, lab and goal. A lab with no goals (it could not be graded, or its build
 * broke) gets one row with an empty goal, so it does not vanish; `message` carries the reason.
 */
export function toGoalsCsv(grades: ClassGrades): string {
  const order = new Map(grades.lessons.map((l, i) => [l.slug, i]));
  const rank = (slug: string): number => order.get(slug) ?? grades.lessons.length;
  const labs = [...grades.labs].sort((a, b) => byName(a.student, b.student) || rank(a.slug) - rank(b.slug) || (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0));
  const rows = labs.flatMap((lab) => {
    const head = [csvText(lab.student), csvText(lab.slug)];
    if (lab.goals.length === 0) {
      return [[...head, '', lab.status, csvNumber(lab.status === 'error' ? 0 : lab.points), csvNumber(lab.maxPoints), '', '', csvText(lab.reason ?? '')]];
    }
    return lab.goals.map((g) => [...head, csvText(g.id), g.status, csvNumber(g.points), csvNumber(g.maxPoints), csvText(g.measured), csvText(g.expected), csvText(g.message ?? '')]);
  });
  return csv([['student', 'lesson', 'goal', 'status', 'points', 'max_points', 'measured', 'expected', 'message'], ...rows]);
}
