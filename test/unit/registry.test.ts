import { describe, expect, it } from 'vitest';
import { lessonSlugs, loadAllLessons, resolveSlug } from '../../harness/course/registry.ts';
import { existsSync } from 'node:fs';
import path from 'node:path';

describe('the course registry', () => {
  it('resolves a lesson by number or folder name', () => {
    expect(resolveSlug('02')).toBe('02-layer-cache');
    expect(resolveSlug('2')).toBe('02-layer-cache');
    expect(resolveSlug('02-layer-cache')).toBe('02-layer-cache');
    expect(resolveSlug('labs/02-layer-cache/')).toBe('02-layer-cache');
    expect(() => resolveSlug('99')).toThrow(/no lesson "99"/);
  });

  it('every lesson has its text, its lab, its solution and hints', async () => {
    const lessons = await loadAllLessons();
    expect(lessons.map((l) => l.slug)).toEqual(lessonSlugs());
    for (const l of lessons) {
      expect(existsSync(path.join(l.lessonDir, 'README.md')), `${l.slug} README`).toBe(true);
      expect(existsSync(path.join(l.labDir, 'Dockerfile')), `${l.slug} lab`).toBe(true);
      expect(existsSync(path.join(l.solutionDir, 'Dockerfile')), `${l.slug} solution`).toBe(true);
      expect(l.hints.length).toBeGreaterThan(0);
      expect(l.goals.length).toBeGreaterThan(l.starterFails.length);
      for (const g of l.goals) expect(g.hint, `${l.slug}/${g.id} hint`).not.toBe('');
    }
  });
});
