import { checkLab } from './harness/checks/check-lab.ts';
import { loadLesson } from './harness/course/registry.ts';
const lesson = await loadLesson('09');
const report = await checkLab(lesson, { dir: process.argv[2], only: process.argv.slice(3) });
for (const v of report.verdicts) console.log(v.status.padEnd(5), v.id.padEnd(40), (v.durationMs/1000).toFixed(1)+'s', v.measured, v.status !== 'pass' ? `| ${v.message ?? ''}` : '');
