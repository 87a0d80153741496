import { parseArgs } from 'node:util';
import { checkLab } from '../checks/check-lab.ts';
import { loadLesson } from '../course/registry.ts';
import { StagecraftError, isStagecraftError } from '../errors.ts';
import { exercismError, toExercism } from '../report/exercism.ts';
import { renderReport } from '../report/terminal.ts';
import { progressLine } from './progress.ts';

/** `stagecraft check <lesson> [--dir DIR] [--json]`: 0 all goals met, 1 a goal failed, 2 not checkable. */
export async function checkCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { dir: { type: 'string' }, json: { type: 'boolean', default: false }, goal: { type: 'string', multiple: true } },
  });
  const query = positionals[0];
  if (!query) throw new StagecraftError('usage', 'Which lesson? `npx stagecraft check 01`.');
  const json = values.json ?? false;
  try {
    const lesson = await loadLesson(query);
    const progress = progressLine();
    // Ctrl-C cancels the build and lets the check clean up what it created; a second one quits.
    const abort = new AbortController();
    const onSigint = (): void => {
      if (abort.signal.aborted) process.exit(130);
      process.stderr.write('\nCancelling: cleaning up (Ctrl-C again to quit now)...\n');
      abort.abort();
    };
    process.on('SIGINT', onSigint);
    const report = await checkLab(lesson, { dir: values.dir, onProgress: progress.update, only: values.goal, signal: abort.signal })
      .finally(() => { progress.done(); process.off('SIGINT', onSigint); });
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
