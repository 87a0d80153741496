/** The course site's rendering, without a browser: links, highlighting, headings, the size chart. */
import { describe, expect, it } from 'vitest';
import { href } from '../../harness/site/layout.ts';
import { languageFor, renderMarkdown, slugify } from '../../harness/site/markdown.ts';
import { progressRows, sizeChart } from '../../harness/site/progress-page.ts';
import type { LabStatus } from '../../harness/learn/course.ts';

describe('lesson markdown', () => {
  const seen: string[] = [];
  const resolve = (link: string): string | undefined => { seen.push(link); return link.includes('missing') ? undefined : `resolved/${link}`; };
  const r = renderMarkdown([
    '# 02 · Layer order',
    'See [lesson 01](../01-build-context/README.md#see-it-yourself), [the lab](../../labs/02-layer-cache/) and [a gap](missing.md).',
    '[outside](https://docs.docker.com/) and [here](#goals).',
    '## Goals',
    '## Goals',
    '```dockerfile',
    'FROM node:24-trixie-slim',
    'RUN npm ci --omit=dev',
    '```',
    '```',
    '<not html>',
    '```',
  ].join('\n'), resolve);

  it('rewrites relative links through the resolver and marks the ones that resolve to nothing', () => {
    expect(seen).toEqual(['../01-build-context/README.md#see-it-yourself', '../../labs/02-layer-cache/', 'missing.md']);
    expect(r.html).toContain('href="resolved/../01-build-context/README.md#see-it-yourself"');
    expect(r.html).toMatch(/href="missing\.md" data-broken="true"/);
    expect(r.html).toContain('href="https://docs.docker.com/"');
    expect(r.html).toContain('href="#goals"');
  });

  it('gives headings unique ids and reports them for the page\'s table of contents', () => {
    expect(r.title).toBe('02 · Layer order');
    expect(r.headings.filter((h) => h.level === 2).map((h) => h.id)).toEqual(['goals', 'goals-1']);
    expect(r.html).toContain('<h2 id="goals-1">');
    expect(slugify('Why not just `COPY` the files?')).toBe('why-not-just-copy-the-files');
  });

  it('highlights code by language and escapes plain blocks', () => {
    expect(r.html).toMatch(/<code class="language-dockerfile"><span class="hljs-keyword">FROM<\/span>/);
    expect(r.html).toContain('&lt;not html&gt;');
    expect(languageFor('labs/02/Dockerfile')).toBe('dockerfile');
    expect(languageFor('server.js')).toBe('javascript');
    expect(languageFor('sh')).toBe('bash');
    expect(languageFor('notes.unknownext')).toBeUndefined();
  });

  it('links pages relative to where they are', () => {
    expect(href('01-build-context.html', 'files/labs/01-build-context/Dockerfile.html')).toBe('files/labs/01-build-context/Dockerfile.html');
    expect(href('files/labs/01-build-context/Dockerfile.html', 'assets/site.css')).toBe('../../../assets/site.css');
    expect(href('index.html', 'index.html')).toBe('index.html');
  });
});

describe('the progress chart', () => {
  const lab = (number: string, starterSize?: number, imageSize?: number): LabStatus => ({
    slug: `${number}-x`, number, lesson: undefined, problem: undefined, state: 'failing',
    progress: { ...(starterSize !== undefined ? { starterSize } : {}), last: { at: '', passed: false, goalsMet: 1, goalsTotal: 2, failed: [], built: true, ...(imageSize !== undefined ? { imageSize } : {}) } },
  });

  it('draws two bars per lab, as wide as the sizes, scaled to the largest', () => {
    const svg = sizeChart(progressRows([lab('01', 200e6, 100e6), lab('02', undefined, 50e6), lab('03')]));
    const width = (l: string, k: string): number => Number(new RegExp(`data-lesson="${l}" data-kind="${k}" data-bytes="\\d+" x="\\d+" y="\\d+" width="(\\d+)"`).exec(svg)?.[1]);
    expect(width('01', 'starter')).toBe(420);
    expect(width('01', 'yours')).toBe(210);
    expect(width('02', 'yours')).toBe(105);
    expect(svg).toContain('starter: not measured');
    expect(svg).not.toContain('data-lesson="03"');
    expect(sizeChart(progressRows([lab('03')]))).toMatch(/No image sizes yet/);
  });
});
