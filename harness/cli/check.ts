import { parseArgs } from 'node:util';
import { checkLab } from '../checks/check-lab.ts';
import { loadLesson } from '../course/registry.ts';
import { StagecraftError, isStagecraftError } from '../errors.ts';
import { exercismError, toExercism } from '../report/exercism.ts';
import { renderReport } from '../report/terminal.ts';
import { cancelOnSigint, progressLine } from './progress.ts';
import { startRecording } from '../learn/record.ts';

/** `stagecraft check <lesson> [--dir DIR] [--json]` or `check --all`: 0 all goals met, 1 a goal failed, 2 not checkable. */
export async function checkCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { dir: { type: 'string' }, json: { type: 'boolean', default: false }, goal: { type: 'string', multiple: true }, all: { type: 'boolean', default: false } },
  });
  if (values.all) return (await import('./check-all.ts')).checkAllCommand();
  const query = positionals[0];
  if (!query) throw new StagecraftError('usage', 'Which lesson? `npx stagecraft check 01`.');
  const json = values.json ?? false;
  try {
    const lesson = await loadLesson(query);
    // A check of the lab itself (not --dir elsewhere, not some goals) goes into the learner's progress.
    const recorder = await startRecording(lesson, values.dir ?? lesson.labDir, { onlySomeGoals: Boolean(values.goal?.length) }).catch(() => undefined);
    const progress = progressLine();
    const cancel = cancelOnSigint();
    const report = await checkLab(lesson, { dir: values.dir, onProgress: progress.update, only: values.goal, signal: cancel.signal })
      .finally(() => { progress.done(); cancel.release(); });
    try { recorder?.record(report); } catch { /* progress is a convenience: never fail a check over it */ }
    if (json) console.log(JSON.stringify(toExercism(report), null, 2));
    else console.log(renderReport(report));
    return report.verdicts.every((v) => v.status === 'pass') ? 0 : 1;
  } catch (e) {
    if (json && isStagecraftError(e)) {
      console.log(JSON.stringify(exercismError(`${e.message}${e.fix ? ` ${e.fix}` : ''}`), null, 2));
    }
    throw e;
  }
}
