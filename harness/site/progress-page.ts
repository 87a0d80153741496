/**
 * The progress page: from the progress file, each lab's state and last verdict (goals met),
 * and the image size before (the starter) and after (the learner's) as an inline SVG chart.
 */
import { bytes } from '../checks/format.ts';
import type { LabStatus } from '../learn/course.ts';
import { doneCount } from '../learn/list-view.ts';
import { escapeHtml } from './markdown.ts';

export interface ProgressRow {
  number: string;
  slug: string;
  title: string;
  state: LabStatus['state'];
  goalsMet: number | undefined;
  goalsTotal: number | undefined;
  starterSize: number | undefined;
  imageSize: number | undefined;
  firstPassedAt: string | undefined;
  checkedAt: string | undefined;
}

const STATE_WORDS: Record<LabStatus['state'], string> = {
  done: 'done', failing: 'not yet', changed: 'changed since it passed', unchecked: 'not checked', broken: 'not available yet',
};

export function progressRows(labs: LabStatus[]): ProgressRow[] {
  return labs.map((l) => ({
    number: l.number, slug: l.slug, title: l.lesson?.title ?? l.slug, state: l.state,
    goalsMet: l.progress?.last?.goalsMet, goalsTotal: l.progress?.last?.goalsTotal,
    starterSize: l.progress?.starterSize, imageSize: l.progress?.last?.imageSize,
    firstPassedAt: l.progress?.firstPassedAt, checkedAt: l.progress?.last?.at,
  }));
}

/** Horizontal bars, two per lab (starter, yours), scaled to the largest image. */
export function sizeChart(rows: ProgressRow[]): string {
  const shown = rows.filter((r) => r.starterSize !== undefined || r.imageSize !== undefined);
  if (!shown.length) return '<p class="muted" id="no-sizes">No image sizes yet: check a lab (<code>npm start</code>) and they appear here.</p>';
  const max = Math.max(...shown.flatMap((r) => [r.starterSize ?? 0, r.imageSize ?? 0]), 1);
  const labelW = 230;
  const barW = 420;
  const bar = 16;
  const group = bar * 2 + 18;
  const height = shown.length * group + 10;
  const parts: string[] = [];
  shown.forEach((r, i) => {
    const y = 6 + i * group;
    parts.push(`<text x="0" y="${y + bar + 4}">${escapeHtml(`${r.number} · ${short(r.title, 30)}`)}</text>`);
    const one = (kind: 'starter' | 'yours', size: number | undefined, dy: number): void => {
      if (size === undefined) {
        parts.push(`<text x="${labelW}" y="${y + dy + bar - 4}" class="muted">${kind === 'starter' ? 'starter: not measured' : 'yours: not measured'}</text>`);
        return;
      }
      const w = Math.max(1, Math.round((size / max) * barW));
      const label = `${kind === 'starter' ? 'starter' : 'yours'} ${bytes(size)}`;
      parts.push(`<rect class="${kind}" data-lesson="${r.number}" data-kind="${kind}" data-bytes="${size}" x="${labelW}" y="${y + dy}" width="${w}" height="${bar}" rx="2"><title>${escapeHtml(`lab ${r.number}, ${label}`)}</title></rect>`);
      parts.push(`<text x="${labelW + w + 6}" y="${y + dy + bar - 4}">${escapeHtml(label)}</text>`);
    };
    one('starter', r.starterSize, 0);
    one('yours', r.imageSize, bar + 2);
  });
  return `<svg class="chart" role="img" aria-label="Image size per lab: starter and yours" viewBox="0 0 ${labelW + barW + 140} ${height}" width="${labelW + barW + 140}" height="${height}" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>
<p class="legend"><span class="starter"></span>the starter's image<span class="yours"></span>your image (last check)</p>`;
}

function short(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

function change(r: ProgressRow): string {
  if (r.starterSize === undefined || r.imageSize === undefined || r.starterSize === 0) return '';
  const pct = ((r.imageSize - r.starterSize) / r.starterSize) * 100;
  return `${pct > 0 ? '+' : ''}${pct.toFixed(1)}%`;
}

const day = (iso: string | undefined): string => (iso ? escapeHtml(iso.slice(0, 16).replace('T', ' ')) : '');

/** The page body; `lessonHref` links a lab to its lesson page. */
export function progressBody(labs: LabStatus[], lessonHref: (slug: string) => string): string {
  const rows = progressRows(labs);
  const { done, total } = doneCount(labs);
  const table = rows.map((r) => `<tr data-lesson="${r.number}" class="state-${r.state}">
<td><a href="${escapeHtml(lessonHref(r.slug))}">${escapeHtml(r.number)} · ${escapeHtml(r.title)}</a></td>
<td class="state"><span class="badge ${r.state}">${STATE_WORDS[r.state]}</span></td>
<td class="num goals">${r.goalsTotal !== undefined ? `${r.goalsMet ?? 0}/${r.goalsTotal}` : ''}</td>
<td class="num starter-size">${r.starterSize !== undefined ? bytes(r.starterSize) : ''}</td>
<td class="num image-size">${r.imageSize !== undefined ? bytes(r.imageSize) : ''}</td>
<td class="num change">${change(r)}</td>
<td class="passed">${day(r.firstPassedAt)}</td>
</tr>`).join('\n');
  return `<h1>Your progress</h1>
<p class="summary-line" id="done-count"><strong>${done} of ${total}</strong> labs done.</p>
<p class="muted">A lab counts as done while its last check met every goal and its files have not changed since. <code>npx stagecraft check --all</code> checks every lab again.</p>
<table class="progress">
<thead><tr><th>Lab</th><th>State</th><th class="num">Goals met</th><th class="num">Starter image</th><th class="num">Your image</th><th class="num">Change</th><th>First passed</th></tr></thead>
<tbody>
${table}
</tbody>
</table>
<h2 id="image-sizes">Image sizes, before and after</h2>
${sizeChart(rows)}`;
}
