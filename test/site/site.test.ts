/**
 * The course site as a person sees it, in headless Chromium (Debian's package, driven by
 * playwright-core): titles, links that resolve, the progress page's numbers from a progress
 * file this test writes, and a screenshot that shows a real page. No Docker engine needed.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { lessonSlugs } from '../../harness/course/registry.ts';
import { saveProgress, type Progress } from '../../harness/learn/state.ts';
import { repoRoot, stateDir } from '../../harness/paths.ts';
import { buildSite, renderProgressPage, type SiteResult } from '../../harness/site/build-site.ts';
import { serveSite, type RunningSite } from '../../harness/site/serve.ts';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`site tests skipped: ${CHROMIUM} is missing (apt-get install chromium; scripts/setup-engine.sh installs it)`);

/** What the progress page must show: lab 01 passed and shrank, lab 02 fails two goals. */
const PROGRESS: Progress = {
  version: 1,
  labs: {
    '01-build-context': {
      firstPassedAt: '2026-11-20T10:00:00.000Z', lastPassedAt: '2026-11-20T10:00:00.000Z', starterSize: 246_300_000,
      last: { at: '2026-11-20T10:00:00.000Z', passed: true, goalsMet: 6, goalsTotal: 6, failed: [], imageSize: 243_300_000, built: true },
    },
    '02-layer-cache': {
      starterSize: 285_400_000,
      last: { at: '2026-11-20T10:05:00.000Z', passed: false, goalsMet: 2, goalsTotal: 4, failed: ['a', 'b'], imageSize: 285_400_000, built: true },
    },
  },
};

/** The README's first heading: what the lesson page's title must be. */
async function readmeTitle(slug: string): Promise<string | undefined> {
  const text = await readFile(path.join(repoRoot, 'lessons', slug, 'README.md'), 'utf8').catch(() => undefined);
  return text ? /^# (.+)$/m.exec(text)?.[1]?.replace(/`/g, '').trim() : undefined;
}

describe.skipIf(!haveChromium)('the course site in a browser', () => {
  let scratch: string;
  let site: SiteResult;
  let server: RunningSite;
  let browser: BrowserContext;
  let page: Page;
  const slugs = lessonSlugs();

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'stagecraft-site-test-'));
    const progressFile = path.join(scratch, 'progress.json');
    saveProgress(PROGRESS, progressFile);
    site = await buildSite({ outDir: path.join(scratch, 'site'), progressFile });
    server = await serveSite({ root: site.outDir, port: 0, live: { '/progress.html': () => renderProgressPage(progressFile) } });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launchPersistentContext(path.join(scratch, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1200, height: 900 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = browser.pages()[0] ?? await browser.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it('builds with no broken link', () => {
    expect(site.broken).toEqual([]);
    expect(site.pages).toContain('index.html');
    expect(site.pages).toContain('progress.html');
  });

  it('opens on a table of contents that lists every lesson', async () => {
    await page.goto(server.url);
    expect(await page.title()).toMatch(/Stagecraft/);
    await expect(page.locator('main h1').textContent()).resolves.toMatch(/Stagecraft/);
    const items = page.locator('ol.lesson-list > li');
    expect(await items.count()).toBe(slugs.length);
    for (const [i, slug] of slugs.entries()) {
      expect(await items.nth(i).locator('a').getAttribute('href')).toBe(`${slug}.html`);
      expect(await items.nth(i).textContent()).toContain(slug.slice(0, 2));
    }
    await expect(page.locator('#done-count, .summary-line').first().textContent()).resolves.toMatch(new RegExp(`1 of ${slugs.length}`));
  });

  it('shows each lesson\'s text under its own title, reached by its link, with the page\'s headings', async () => {
    for (const slug of slugs) {
      await page.goto(server.url);
      await page.locator(`ol.lesson-list a[href="${slug}.html"]`).click();
      await page.waitForURL(`**/${slug}.html`);
      const want = await readmeTitle(slug);
      if (want) {
        expect((await page.locator('article.lesson h1').first().textContent())?.trim()).toBe(want);
        expect(await page.title()).toBe(`${want} · Stagecraft`);
      }
      expect(await page.locator('aside li.current a').getAttribute('href')).toBe(`${slug}.html`);
      // "On this page" lists the lesson's sections, each one an anchor that exists.
      for (const a of await page.locator('nav.on-this-page a').all()) {
        const id = (await a.getAttribute('href'))?.slice(1) ?? '';
        expect(await page.locator(`[id="${id}"]`).count(), `${slug}#${id}`).toBe(1);
      }
      // Code is highlighted (spans from highlight.js) wherever a fenced block has a language.
      const fences = await page.locator('pre.hljs code[class*="language-"]').count();
      if (fences) expect(await page.locator('pre.hljs code[class*="language-"] span[class^="hljs-"]').count()).toBeGreaterThan(0);
    }
  });

  it('has links that resolve: every page, every file, every anchor', async () => {
    const seen = new Map<string, string>();
    const pages = [server.url, `${server.url}progress.html`, ...slugs.map((s) => `${server.url}${s}.html`)];
    for (const url of pages) {
      await page.goto(url);
      expect(await page.locator('[data-broken]').count(), `broken link on ${url}`).toBe(0);
      for (const href of await page.locator('a[href]').evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href))) {
        if (href.startsWith(server.url)) seen.set(href, url);
      }
    }
    expect(seen.size).toBeGreaterThan(slugs.length);
    for (const [href, from] of seen) {
      const [target = '', hash] = href.split('#');
      const res = await fetch(target);
      expect(res.status, `${href} (linked from ${from})`).toBe(200);
      const body = await res.text();
      if (hash) expect(body, `anchor ${href} (linked from ${from})`).toContain(`id="${hash}"`);
    }
  });

  it('shows a lab\'s files from its lesson page', async () => {
    await page.goto(`${server.url}${slugs[0]}.html`);
    await page.locator('#your-lab a', { hasText: 'Dockerfile' }).first().click();
    await expect(page.locator('main h1').textContent()).resolves.toBe('Dockerfile');
    const dockerfile = await readFile(path.join(repoRoot, 'labs', slugs[0] ?? '', 'Dockerfile'), 'utf8');
    expect((await page.locator('main pre code').textContent())?.trim()).toBe(dockerfile.trim());
    expect(await page.locator('main pre code .hljs-keyword').first().textContent()).toBe('FROM');
  });

  it('shows progress: labs done, goals met, image sizes before and after', async () => {
    await page.goto(`${server.url}progress.html`);
    expect(await page.title()).toMatch(/progress/i);
    await expect(page.locator('#done-count').textContent()).resolves.toBe(`${1} of ${slugs.length} labs done.`);
    const row1 = page.locator('tr[data-lesson="01"]');
    expect(await row1.locator('.state').textContent()).toBe('done');
    expect(await row1.locator('.goals').textContent()).toBe('6/6');
    expect(await row1.locator('.starter-size').textContent()).toBe('246.3 MB');
    expect(await row1.locator('.image-size').textContent()).toBe('243.3 MB');
    expect(await row1.locator('.change').textContent()).toBe('-1.2%');
    const row2 = page.locator('tr[data-lesson="02"]');
    expect(await row2.locator('.state').textContent()).toBe('not yet');
    expect(await row2.locator('.goals').textContent()).toBe('2/4');
    // The chart: a bar per size, as wide as the size (scaled to the largest, 285.4 MB).
    const bar = async (lesson: string, kind: string): Promise<number> => (await page.locator(`svg.chart rect[data-lesson="${lesson}"][data-kind="${kind}"]`).boundingBox())?.width ?? NaN;
    const [s1, y1, s2] = [await bar('01', 'starter'), await bar('01', 'yours'), await bar('02', 'starter')];
    expect(y1).toBeLessThan(s1);
    expect(s1 / s2).toBeCloseTo(246.3 / 285.4, 1);
    expect(await page.locator('svg.chart').textContent()).toContain('yours 243.3 MB');
  });

  it('looks like a page (screenshot)', async () => {
    const shots = path.join(stateDir, 'screenshots');
    await mkdir(shots, { recursive: true });
    for (const [name, url] of [['progress', 'progress.html'], ['lesson', `${slugs[0] ?? ''}.html`]] as const) {
      await page.goto(`${server.url}${url}`);
      const file = path.join(shots, `site-${name}.png`);
      // The whole progress page (its chart is below the table); the top of a lesson page.
      const png = await page.screenshot({ path: file, fullPage: name === 'progress' });
      expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
      expect(png.length).toBeGreaterThan(20_000);
      // Decoded in the browser: many colours, and ink on a good share of the page (not blank).
      const look = await page.evaluate(async (b64) => {
        const img = new Image();
        img.src = `data:image/png;base64,${b64}`;
        await img.decode();
        const canvas = document.createElement('canvas');
        canvas.width = img.width;
        canvas.height = img.height;
        const g = canvas.getContext('2d');
        if (!g) return { colours: 0, ink: 0, width: 0 };
        g.drawImage(img, 0, 0);
        const data = g.getImageData(0, 0, img.width, img.height).data;
        const colours = new Set<number>();
        let ink = 0;
        for (let i = 0; i < data.length; i += 16) {
          const [r = 0, gr = 0, bl = 0] = [data[i], data[i + 1], data[i + 2]];
          colours.add((r << 16) | (gr << 8) | bl);
          if (r + gr + bl < 600) ink++;
        }
        return { colours: colours.size, ink: ink / (data.length / 16), width: img.width };
      }, png.toString('base64'));
      expect(look.width).toBe(1200);
      expect(look.colours, name).toBeGreaterThan(50);
      expect(look.ink, name).toBeGreaterThan(0.05);
      await writeFile(`${file}.txt`, `screenshot of ${url}: ${look.colours} colours, ${(look.ink * 100).toFixed(0)}% ink\n`);
    }
  });
});
