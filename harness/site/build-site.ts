/**
 * `npm run site`: the course as a static web site. Every lesson's README.md rendered, with
 * the course's table of contents beside it and its own headings; lab files (and any other
 * repository file a lesson links to) as highlighted pages; and a progress page from the
 * progress file. Relative links are resolved against the repository: a link that points at
 * nothing is reported (and marked in the page), so a broken link cannot go unnoticed.
 */
import { existsSync, statSync } from 'node:fs';
import { copyFile, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { courseEntries, labStatus, type LabStatus } from '../learn/course.ts';
import { isIgnoredLabPath, labFiles } from '../learn/ignored-files.ts';
import { loadProgress, progressFile } from '../learn/state.ts';
import { repoRoot, stateDir } from '../paths.ts';
import { href, page, type NavLesson } from './layout.ts';
import { escapeHtml, highlight, languageFor, renderMarkdown } from './markdown.ts';
import { progressBody } from './progress-page.ts';
import { doneCount } from '../learn/list-view.ts';

export interface SiteOptions {
  /** Default `.stagecraft/site`. */
  outDir?: string;
  /** Default the learner's progress file. */
  progressFile?: string;
}

export interface SiteResult {
  outDir: string;
  /** Pages written, relative to outDir. */
  pages: string[];
  /** Links that resolve to nothing: the page and the link as written. */
  broken: { page: string; href: string }[];
}

export function defaultSiteDir(): string {
  return path.join(stateDir, 'site');
}

const MAX_FILE_BYTES = 300_000;

export async function buildSite(opts: SiteOptions = {}): Promise<SiteResult> {
  const outDir = path.resolve(opts.outDir ?? defaultSiteDir());
  const labs = await courseState(opts.progressFile);
  const nav: NavLesson[] = labs.map((l) => ({ slug: l.slug, number: l.number, title: l.lesson?.title ?? l.slug, state: l.state }));
  await rm(outDir, { recursive: true, force: true });
  await mkdir(path.join(outDir, 'assets'), { recursive: true });
  const site = new SiteWriter(outDir, nav);

  await copyFile(path.join(path.dirname(fileURLToPath(import.meta.url)), 'site.css'), path.join(outDir, 'assets', 'site.css'));
  await copyFile(createRequire(import.meta.url).resolve('highlight.js/styles/github.css'), path.join(outDir, 'assets', 'hljs.css'));

  for (const [i, lab] of labs.entries()) await site.lessonPage(lab, labs[i - 1], labs[i + 1]);
  await site.write('index.html', indexPage(labs, nav));
  await site.write('progress.html', progressPage(labs, nav));
  await site.flushFiles();
  return { outDir, pages: site.written, broken: site.broken };
}

/** The progress page alone, fresh from the progress file (the server redraws it per request). */
export async function renderProgressPage(progress?: string): Promise<string> {
  const labs = await courseState(progress);
  return progressPage(labs, labs.map((l) => ({ slug: l.slug, number: l.number, title: l.lesson?.title ?? l.slug, state: l.state })));
}

async function courseState(file?: string): Promise<LabStatus[]> {
  const progress = loadProgress(file ?? progressFile());
  return Promise.all((await courseEntries()).map((e) => labStatus(e, progress)));
}

function indexPage(labs: LabStatus[], nav: NavLesson[]): string {
  const { done, total } = doneCount(labs);
  const items = labs.map((l) => `<li data-lesson="${l.number}"><a href="${escapeHtml(`${l.slug}.html`)}"><strong>${escapeHtml(l.number)} · ${escapeHtml(l.lesson?.title ?? l.slug)}</strong></a>${badge(l)}
<span class="summary">${escapeHtml(l.lesson?.summary ?? l.problem ?? '')}</span></li>`).join('\n');
  const body = `<h1>Stagecraft: Docker image builds, done well</h1>
<p>Each lesson pairs a Dockerfile that works but is built badly with goals measured on the image BuildKit really builds: its size, its user, its layers and the files in them, its build cache, and how the container behaves.</p>
<p>Work through a lab: run <code>npm start</code> in the course folder. It checks the first unfinished lab every time you save a file in it; press <code>h</code> for a hint.</p>
<p class="summary-line"><a href="progress.html">Your progress</a>: <strong>${done} of ${total}</strong> labs done.</p>
<h2 id="lessons">Lessons</h2>
<ol class="lesson-list">
${items}
</ol>`;
  return page({ title: 'Stagecraft: a course on building Docker images well', outPath: 'index.html', body, lessons: nav, toc: [] });
}

function progressPage(labs: LabStatus[], nav: NavLesson[]): string {
  return page({ title: 'Your progress · Stagecraft', outPath: 'progress.html', body: progressBody(labs, (slug) => `${slug}.html`), lessons: nav });
}

function badge(l: LabStatus): string {
  const words: Record<LabStatus['state'], string> = { done: 'done', failing: 'not yet', changed: 'changed', unchecked: '', broken: 'not available yet' };
  return words[l.state] ? ` <span class="badge ${l.state}">${words[l.state]}</span>` : '';
}

/** Writes pages and the repository files they link to, collecting broken links. */
class SiteWriter {
  readonly written: string[] = [];
  readonly broken: { page: string; href: string }[] = [];
  private readonly files = new Set<string>();
  private readonly dirs = new Set<string>();
  private readonly raw = new Set<string>();
  private readonly slugs: Set<string>;

  constructor(private readonly outDir: string, private readonly nav: NavLesson[]) {
    this.slugs = new Set(nav.map((n) => n.slug));
  }

  async write(rel: string, html: string): Promise<void> {
    const file = path.join(this.outDir, rel);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, html);
    this.written.push(rel);
  }

  /** Where a repository path is in the site, queueing the page that shows it. */
  private target(repoRel: string, kind: 'link' | 'image'): string | undefined {
    const lesson = /^lessons\/(\d{2}-[a-z0-9-]+)(?:\/(?:README\.md)?)?$/.exec(repoRel);
    if (lesson?.[1] && this.slugs.has(lesson[1])) return `${lesson[1]}.html`;
    if (repoRel === '' || repoRel === '.' || repoRel.startsWith('..') || isIgnoredLabPath(repoRel) || repoRel.startsWith('.stagecraft')) return undefined;
    const abs = path.join(repoRoot, repoRel);
    if (!existsSync(abs)) return undefined;
    if (kind === 'image') { this.raw.add(repoRel); return `raw/${repoRel}`; }
    if (statSync(abs).isDirectory()) { this.dirs.add(repoRel); return `files/${repoRel}/index.html`; }
    this.files.add(repoRel);
    return `files/${repoRel}.html`;
  }

  /** A link as written in a file at `fromRepoDir`, for a page at `outPath`. */
  private resolver(fromRepoDir: string, outPath: string) {
    return (link: string, kind: 'link' | 'image'): string | undefined => {
      const [pathPart = '', hash] = link.split('#', 2);
      let repoRel: string;
      try {
        repoRel = path.posix.normalize(path.posix.join(fromRepoDir, decodeURIComponent(pathPart))).replace(/\/$/, '');
      } catch {
        repoRel = '..';
      }
      const to = this.target(repoRel, kind);
      if (to === undefined) { this.broken.push({ page: outPath, href: link }); return undefined; }
      return `${href(outPath, to)}${hash ? `#${hash}` : ''}`;
    };
  }

  async lessonPage(lab: LabStatus, prev: LabStatus | undefined, next: LabStatus | undefined): Promise<void> {
    const outPath = `${lab.slug}.html`;
    const readme = await readFile(path.join(repoRoot, 'lessons', lab.slug, 'README.md'), 'utf8').catch(() => undefined);
    const rendered = readme !== undefined
      ? renderMarkdown(readme, this.resolver(`lessons/${lab.slug}`, outPath))
      : { html: `<h1>${escapeHtml(`${lab.number} · ${lab.lesson?.title ?? lab.slug}`)}</h1><p class="muted">This lesson's text is not written yet.</p>`, title: undefined, headings: [] };
    const title = rendered.title ?? `${lab.number} · ${lab.lesson?.title ?? lab.slug}`;
    const labDir = `labs/${lab.slug}`;
    const files = existsSync(path.join(repoRoot, labDir)) ? await labFiles(path.join(repoRoot, labDir)) : [];
    const fileLinks = files.map((f) => {
      const to = this.target(`${labDir}/${f}`, 'link');
      return `<li><a href="${escapeHtml(href(outPath, to ?? ''))}"><code>${escapeHtml(f)}</code></a></li>`;
    }).join('');
    const labBox = `<section class="lab-box" id="your-lab"><strong>Your lab:</strong> <a href="${escapeHtml(href(outPath, this.target(labDir, 'link') ?? ''))}"><code>${escapeHtml(labDir)}/</code></a>${lab.problem ? ` <span class="muted">(${escapeHtml(lab.problem)})</span>` : ''}
<ul>${fileLinks}</ul>
Check it with <code>npx stagecraft check ${escapeHtml(lab.number)}</code>, or run <code>npm start</code> to check it on every save.</section>`;
    const pager = `<nav class="pager">${prev ? `<a rel="prev" href="${escapeHtml(`${prev.slug}.html`)}">← ${escapeHtml(prev.number)} · ${escapeHtml(prev.lesson?.title ?? prev.slug)}</a>` : '<span></span>'}${next ? `<a rel="next" href="${escapeHtml(`${next.slug}.html`)}">${escapeHtml(next.number)} · ${escapeHtml(next.lesson?.title ?? next.slug)} →</a>` : '<span></span>'}</nav>`;
    await this.write(outPath, page({ title: `${title} · Stagecraft`, outPath, body: `<article class="lesson">${rendered.html}</article>\n${labBox}\n${pager}`, lessons: this.nav, current: lab.slug, toc: rendered.headings }));
  }

  /** Pages for the repository files and folders linked so far; a page may link more, so until none is left. */
  async flushFiles(): Promise<void> {
    const doneDirs = new Set<string>();
    const doneFiles = new Set<string>();
    for (;;) {
      const dir = [...this.dirs].find((d) => !doneDirs.has(d));
      if (dir !== undefined) { doneDirs.add(dir); await this.dirPage(dir); continue; }
      const file = [...this.files].find((f) => !doneFiles.has(f));
      if (file !== undefined) { doneFiles.add(file); await this.filePage(file); continue; }
      break;
    }
    for (const file of this.raw) {
      const dest = path.join(this.outDir, 'raw', file);
      await mkdir(path.dirname(dest), { recursive: true });
      await copyFile(path.join(repoRoot, file), dest);
    }
  }

  private async dirPage(dir: string): Promise<void> {
    const outPath = `files/${dir}/index.html`;
    const entries = (await readdir(path.join(repoRoot, dir), { withFileTypes: true }))
      .filter((e) => !isIgnoredLabPath(`${dir}/${e.name}`))
      .sort((a, b) => a.name.localeCompare(b.name));
    const items = entries.map((e) => {
      const to = this.target(`${dir}/${e.name}`, 'link');
      return `<li><a href="${escapeHtml(href(outPath, to ?? ''))}"><code>${escapeHtml(e.name)}${e.isDirectory() ? '/' : ''}</code></a></li>`;
    }).join('\n');
    await this.write(outPath, page({ title: `${dir}/ · Stagecraft`, outPath, body: `<h1><code>${escapeHtml(dir)}/</code></h1>\n<ul class="files">\n${items}\n</ul>`, lessons: this.nav, current: lessonOf(dir) }));
  }

  private async filePage(file: string): Promise<void> {
    const outPath = `files/${file}.html`;
    const buf = await readFile(path.join(repoRoot, file));
    const text = buf.subarray(0, MAX_FILE_BYTES).toString('utf8');
    const cut = buf.length > MAX_FILE_BYTES ? `<p class="muted">Only the first ${MAX_FILE_BYTES / 1000} kB are shown.</p>` : '';
    const parent = path.posix.dirname(file);
    const up = this.target(parent, 'link');
    const body = `<p class="muted"><a href="${escapeHtml(href(outPath, up ?? ''))}"><code>${escapeHtml(parent)}/</code></a></p>
<h1><code>${escapeHtml(path.posix.basename(file))}</code></h1>
<pre class="hljs"><code>${highlight(text, languageFor(file))}</code></pre>${cut}`;
    await this.write(outPath, page({ title: `${file} · Stagecraft`, outPath, body, lessons: this.nav, current: lessonOf(file) }));
  }
}

function lessonOf(repoRel: string): string | undefined {
  return /^(?:labs|lessons|solutions)\/(\d{2}-[a-z0-9-]+)/.exec(repoRel)?.[1];
}
