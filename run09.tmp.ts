import { checkLab } from './harness/checks/check-lab.ts';
import { loadLesson } from './harness/course/registry.ts';
const lesson = await loadLesson('09');
const which = process.argv[2] ?? 'solution';
const t0 = performance.now();
const report = await checkLab(lesson, { dir: which === 'solution' ? lesson.solutionDir : undefined, onProgress: (l) => process.stderr.write(`[${((performance.now()-t0)/1000).toFixed(1)}] ${l}\n`) });
for (const v of report.verdicts) console.log(v.status.padEnd(5), v.id.padEnd(40), (v.durationMs/1000).toFixed(1)+'s', v.measured, v.status !== 'pass' ? `| ${v.message ?? ''}` : '');
console.log('image', report.image, 'total', (report.durationMs/1000).toFixed(1));
