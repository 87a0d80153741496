import { checkLab } from './harness/checks/check-lab.ts';
import { loadLesson } from './harness/course/registry.ts';
import { LabContext } from './harness/checks/lab-context.ts';
const lesson = await loadLesson('09');
const orig = LabContext.prototype.bake;
LabContext.prototype.bake = function (key, opts) {
  const p = orig.call(this, key, opts);
  if (key.startsWith('fresh')) void p.then((r) => { console.log('=====', key, (r.result.durationMs/1000).toFixed(1)); console.log(r.result.log.toString().split('\n').filter((l) => /DONE|CACHED|ERROR|^#\d+ \[/.test(l)).join('\n')); });
  return p;
};
await checkLab(lesson, { dir: lesson.solutionDir, only: ['fresh-builder-reuses-local-cache'] });
