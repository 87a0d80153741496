/** `stagecraft check --all`: every lab checked again, in course order; progress updated. */
import { checkLab } from '../checks/check-lab.ts';
import { isStagecraftError } from '../errors.ts';
import { courseStatus } from '../learn/course.ts';
import { startRecording } from '../learn/record.ts';
import { bytes, seconds } from '../checks/format.ts';
import { bold, dim, green, red, renderError, yellow } from '../report/terminal.ts';
import { progressLine } from './progress.ts';

/** Exit 0 when every lab passes, 1 when one fails a goal, 2 when one cannot be checked. */
export async function checkAllCommand(): Promise<number> {
  const labs = await courseStatus();
  const abort = new AbortController();
  const onSigint = (): void => { if (abort.signal.aborted) process.exit(130); process.stderr.write('\nCancelling: cleaning up...\n'); abort.abort(); };
  process.on('SIGINT', onSigint);
  let passed = 0;
  let failed = 0;
  let broken = 0;
  try {
    for (const lab of labs) {
      if (abort.signal.aborted) break;
      if (!lab.lesson) {
        broken++;
        console.log(`${yellow('!')} ${lab.number}  ${lab.slug}: cannot be checked: ${lab.problem ?? 'unknown reason'}`);
        continue;
      }
      const progress = progressLine();
      try {
        const recorder = await startRecording(lab.lesson, lab.lesson.labDir).catch(() => undefined);
        const report = await checkLab(lab.lesson, { onProgress: (l) => progress.update(`${lab.number}: ${l}`), signal: abort.signal }).finally(() => progress.done());
        try { recorder?.record(report); } catch { /* progress is a convenience */ }
        const met = report.verdicts.filter((v) => v.status === 'pass').length;
        const ok = met === report.verdicts.length;
        if (ok) passed++; else failed++;
        const size = report.image?.size !== undefined ? `, image ${bytes(report.image.size)}` : '';
        const first = report.verdicts.find((v) => v.status !== 'pass');
        console.log(`${ok ? green('✓') : red('✗')} ${lab.number}  ${lab.lesson.title}: ${met}/${report.verdicts.length} goals${size} ${dim(`(${seconds(report.durationMs)})`)}`);
        if (first) console.log(dim(`      first failed goal: ${first.title}`));
      } catch (e) {
        if (abort.signal.aborted) break;
        if (!isStagecraftError(e)) throw e;
        broken++;
        console.log(`${yellow('!')} ${lab.number}  ${lab.lesson.title}: cannot be checked`);
        console.log(renderError(e).split('\n').map((l) => `      ${l}`).join('\n'));
      }
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
  console.log(`\n${bold(`${passed} of ${labs.length} labs pass`)}${failed ? `, ${failed} fail a goal` : ''}${broken ? `, ${broken} cannot be checked` : ''}.`);
  if (abort.signal.aborted) return 130;
  return broken ? 2 : failed ? 1 : 0;
}
