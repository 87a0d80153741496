/**
 * Per-lesson figures: starter and solution image sizes, goals met, and how long each check
 * takes (warm unless the engine has never built the lesson).
 *
 *   npm run bench:course [-- 03 04]
 */
import { checkLab } from '../harness/checks/check-lab.ts';
import { lessonSlugs, loadLesson } from '../harness/course/registry.ts';
import { bytes } from '../harness/checks/format.ts';

const only = process.argv.slice(2);
const slugs = lessonSlugs().filter((s) => !only.length || only.some((o) => s.startsWith(o.padStart(2, '0'))));
const t0 = performance.now();
console.log('lesson                   | starter: size, goals met, check s | solution: size, goals met, check s');
for (const slug of slugs) {
  const lesson = await loadLesson(slug);
  const cells: string[] = [];
  for (const dir of [lesson.labDir, lesson.solutionDir]) {
    const r = await checkLab(lesson, { dir });
    const met = r.verdicts.filter((v) => v.status === 'pass').length;
    cells.push(`${r.image?.size !== undefined ? bytes(r.image.size) : 'no image'}, ${met}/${r.verdicts.length}, ${(r.durationMs / 1000).toFixed(1)} s`);
  }
  console.log(`${slug.padEnd(24)} | ${cells[0]?.padEnd(34)} | ${cells[1]}`);
}
console.log(`\nwhole course: ${((performance.now() - t0) / 1000).toFixed(0)} s`);
