import type { ClassGrades, GoalGrade, LabGrade } from '../grade/types.ts';
import { bytes, seconds } from '../checks/format.ts';

// Names, messages and build output are untrusted: escape everything, and drop ANSI colours and
// control characters, which HTML cannot show and some viewers choke on.
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const esc = (s: string): string => s.replace(ANSI, '').replace(CONTROL, '').replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);

const num = (n: number): string => String(Math.round(n * 100) / 100);
const byName = (a: string, b: string): number => a.localeCompare(b, 'en', { sensitivity: 'base' }) || (a < b ? -1 : a > b ? 1 : 0);

const CSS = `
body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1f2328;background:#fff}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2.5rem;border-bottom:1px solid #d0d7de}h3{font-size:1rem;margin:1.2rem 0 .4rem}
table{border-collapse:collapse;margin:.5rem 0}th,td{border:1px solid #d0d7de;padding:.25rem .6rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.n{text-align:right;font-variant-numeric:tabular-nums}
.pass{background:#dafbe1}.fail{background:#ffebe9}.error{background:#fff8c5}.none{color:#8c959f}
.badge{display:inline-block;padding:0 .4rem;border-radius:.6rem;font-size:.8rem;font-weight:600}
.badge.pass{color:#116329}.badge.fail{color:#a40e26}.badge.error{color:#7d4e00}
code,pre{font:12px ui-monospace,monospace}pre{white-space:pre-wrap;margin:0}.reason{margin:.3rem 0;padding:.4rem;border-left:3px solid #d4a72c;background:#fff8c5}
.meta{color:#59636e;font-size:.85rem}`;

const badge = (status: string): string => `<span class="badge ${status}">${status}</span>`;

// Each student section gets an id from its position, never from the (untrusted) name.
const anchor = (i: number): string => `student-${i + 1}`;

function goalRow(g: GoalGrade): string {
  return `<tr class="${g.status}"><td>${esc(g.title)}<div class="meta"><code>${esc(g.id)}</code></div></td><td>${badge(g.status)}</td>`
    + `<td class="n">${num(g.points)}/${num(g.maxPoints)}</td><td><pre>${esc(g.measured)}</pre></td><td><pre>${esc(g.expected)}</pre></td>`
    + `<td><pre>${esc(g.message ?? '')}</pre></td></tr>`;
}

function labSection(lab: LabGrade): string {
  const points = lab.status === 'error' ? 0 : lab.points;
  const meta = [`graded ${lab.gradedAt}`, `on ${lab.engine}`, seconds(lab.durationMs), ...(lab.imageBytes === undefined ? [] : [`image ${bytes(lab.imageBytes)}`])];
  const parts = [
    `<h3>${esc(lab.lesson)} ${esc(lab.title)} ${badge(lab.status)} <span class="n">${num(points)}/${num(lab.maxPoints)}</span></h3>`,
    `<div class="meta">${esc(lab.slug)} · ${meta.map(esc).join(' · ')}</div>`,
  ];
  if (lab.reason) parts.push(`<div class="reason"><pre>${esc(lab.reason)}</pre></div>`);
  if (lab.goals.length) {
    parts.push(`<table><thead><tr><th>Goal</th><th>Status</th><th>Points</th><th>Measured</th><th>Expected</th><th>Message</th></tr></thead><tbody>`
      + lab.goals.map(goalRow).join('') + `</tbody></table>`);
  }
  return parts.join('\n');
}

/**
 * The whole class as one HTML page a teacher can open or mail: no script, no external resource,
 * and a CSP that forbids both, so even a missed escape cannot run anything.
 */
export function toGradeHtml(grades: ClassGrades, opts: { title?: string } = {}): string {
  const title = opts.title ?? 'Stagecraft grades';
  const students = [...new Set([...grades.students, ...grades.labs.map((l) => l.student)])].sort(byName);
  const known = new Set(grades.lessons.map((l) => l.slug));
  const lessons = [...grades.lessons, ...[...new Set(grades.labs.filter((l) => !known.has(l.slug)).map((l) => l.slug))].sort().map((slug) => ({ lesson: '', slug, title: slug, maxPoints: 0 }))];
  const order = new Map(lessons.map((l, i) => [l.slug, i]));
  const labsOf = (student: string): LabGrade[] => {
    // A lab later in the list (a re-grade) replaces an earlier one.
    const bySlug = new Map(grades.labs.filter((l) => l.student === student).map((l) => [l.slug, l]));
    return [...bySlug.values()].sort((a, b) => (order.get(a.slug) ?? 0) - (order.get(b.slug) ?? 0));
  };

  const head = `<tr><th>Student</th>${lessons.map((l) => `<th title="${esc(l.title)}">${esc(l.lesson || l.slug)}</th>`).join('')}<th>Total</th></tr>`;
  const rows = students.map((s, i) => {
    const labs = new Map(labsOf(s).map((l) => [l.slug, l]));
    let total = 0;
    let max = 0;
    const cells = lessons.map((l) => {
      const lab = labs.get(l.slug);
      max += lab?.maxPoints ?? l.maxPoints;
      if (!lab) return `<td class="n none">–</td>`;
      const points = lab.status === 'error' ? 0 : lab.points;
      total += points;
      return `<td class="n ${lab.status}" title="${esc(lab.status)}${lab.reason ? `: ${esc(lab.reason)}` : ''}">${num(points)}/${num(lab.maxPoints)}</td>`;
    });
    return `<tr><td><a href="#${anchor(i)}">${esc(s)}</a></td>${cells.join('')}<td class="n"><strong>${num(total)}/${num(max)}</strong></td></tr>`;
  });

  const sections = students.map((s, i) => {
    const labs = labsOf(s);
    return `<section id="${anchor(i)}"><h2>${esc(s)}</h2>\n${labs.length ? labs.map(labSection).join('\n') : '<p class="none">No lab graded.</p>'}</section>`;
  });

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>${esc(title)}</h1>
<table class="class"><thead>${head}</thead><tbody>
${rows.join('\n')}
</tbody></table>
${sections.join('\n')}
</body>
</html>
`;
}
