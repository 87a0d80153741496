/**
 * `npx stagecraft` (`npm start`): watch mode. Checks the first unfinished lab, then checks
 * it again on every save, with keys for the rest of the loop: Enter check, h hint, n next
 * lab, l list, a check all, r reset (y/N), q quit.
 */
import { createInterface, emitKeypressEvents } from 'node:readline';
import { parseArgs } from 'node:util';
import { checkLab } from '../checks/check-lab.ts';
import { resolveSlug } from '../course/registry.ts';
import { StagecraftError, isStagecraftError } from '../errors.ts';
import { courseEntry, courseStatus, firstUnfinished, labAfter, type CourseEntry } from '../learn/course.ts';
import { nextHint } from '../learn/hints.ts';
import { LabLoop } from '../learn/lab-loop.ts';
import { nextLine, renderCourseList } from '../learn/list-view.ts';
import { startRecording } from '../learn/record.ts';
import { resetLab } from '../learn/reset.ts';
import { updateLab } from '../learn/state.ts';
import { bold, dim, green, red, yellow } from '../report/terminal.ts';
import { backupLines } from './reset.ts';

export { watchLab, LabLoop, type VerdictShown, type LabLoopOptions } from '../learn/lab-loop.ts';

/** A key as the session understands it. */
type Key = 'enter' | 'quit' | 'interrupt' | string;

class WatchSession {
  private loop: LabLoop | undefined;
  /** Loops left behind (n): their checks finish cleaning up before we exit. */
  private readonly retired: Promise<void>[] = [];
  private confirmingReset = false;
  private busy: AbortController | undefined;
  /** The running check-all, awaited on quit so its cleanup finishes. */
  private allRun: Promise<void> | undefined;
  private quitting = false;
  resolveQuit: (() => void) | undefined;

  async open(lab: CourseEntry, notice: string[] = []): Promise<void> {
    if (!lab.lesson) throw new StagecraftError('lab-missing', `Lab ${lab.number} cannot be worked on yet: ${lab.problem ?? 'unknown reason'}.`, 'Pick another lab: `npx stagecraft list`.');
    if (this.loop) this.retired.push(this.loop.stop());
    const loop = new LabLoop(lab.lesson);
    this.loop = loop;
    loop.model.panel = notice;
    loop.start();
    // The lab after this one is named only once this one passes: it is looked up (every
    // lesson loaded) while the first check runs, not before it starts.
    const next = labAfter(await courseStatus().catch(() => []), lab.slug);
    loop.model.next = next?.lesson ? { number: next.number, title: next.lesson.title } : undefined;
    if (loop.model.check.phase === 'done') loop.screen.draw();
  }

  async key(k: Key): Promise<void> {
    const loop = this.loop;
    if (!loop || this.quitting) return;
    if (k === 'interrupt' || k === 'quit') return this.quit();
    if (this.confirmingReset) return this.answerReset(k === 'y' || k === 'Y');
    if (this.busy) {
      loop.model.panel = [...loop.model.panel.filter((l) => !l.startsWith('(')), dim('(checking every lab: q stops)')];
      loop.screen.draw();
      return;
    }
    loop.model.panel = [];
    switch (k) {
      case 'enter': loop.checkNow('Enter pressed'); return;
      case 'h': {
        const h = nextHint(loop.lesson);
        loop.model.hints = h;
        if (!h.revealed) loop.model.panel = [dim(h.total ? 'No more hints: that was the last one.' : 'This lesson has no hints.')];
        loop.screen.draw();
        return;
      }
      case 'l': {
        const labs = await courseStatus();
        loop.model.panel = [...renderCourseList(labs, loop.lesson.slug), '', nextLine(labs)];
        loop.screen.draw();
        return;
      }
      case 'n': {
        const labs = await courseStatus();
        const next = labAfter(labs, loop.lesson.slug);
        if (!next) { loop.model.panel = [dim('This is the last lab.')]; loop.screen.draw(); return; }
        await this.open(next);
        return;
      }
      case 'a':
        this.allRun = this.checkAll();
        return this.allRun;
      case 'r':
        this.confirmingReset = true;
        loop.model.prompt = `Reset lab ${loop.lesson.number} to its starter files? Your versions are kept as *.stagecraft-backup files. (y/N)`;
        loop.screen.draw();
        return;
      default:
        loop.screen.draw();
    }
  }

  private async answerReset(yes: boolean): Promise<void> {
    const loop = this.loop;
    this.confirmingReset = false;
    if (!loop) return;
    loop.model.prompt = undefined;
    if (!yes) { loop.model.panel = [dim('Reset cancelled: nothing was changed.')]; loop.screen.draw(); return; }
    loop.pause();
    try {
      const r = await resetLab(loop.lesson.slug);
      if (r.restored.length || r.backups.length) updateLab(loop.lesson.slug, (lab) => { delete lab.last; });
      loop.model.panel = backupLines(loop.lesson.slug, r);
    } catch (e) {
      loop.model.panel = [red(isStagecraftError(e) ? `${e.message}${e.fix ? ` ${e.fix}` : ''}` : String(e))];
    }
    loop.resume({ check: 'the reset' });
  }

  /** `a`: every lab checked in turn (the watched one included), results in the panel. */
  private async checkAll(): Promise<void> {
    const loop = this.loop;
    if (!loop) return;
    loop.pause();
    const busy = new AbortController();
    this.busy = busy;
    const labs = await courseStatus();
    const lines: string[] = [bold(`Checking every lab (${labs.length}); q stops.`)];
    loop.model.panel = lines;
    loop.screen.draw();
    let done = 0;
    for (const [i, lab] of labs.entries()) {
      if (busy.signal.aborted) break;
      if (!lab.lesson) { lines.push(`  ${yellow('!')} ${lab.number}  ${lab.problem ?? 'cannot be loaded'}`); continue; }
      lines.push(dim(`  … ${lab.number}  ${lab.lesson.title} (${i + 1} of ${labs.length})`));
      loop.screen.draw();
      const at = lines.length - 1;
      try {
        const recorder = await startRecording(lab.lesson, lab.lesson.labDir);
        const report = await checkLab(lab.lesson, { signal: busy.signal, onProgress: (p) => { lines[at] = dim(`  … ${lab.number}  ${lab.lesson?.title ?? ''}: ${p}`); loop.screen.update(); } });
        recorder?.record(report);
        const met = report.verdicts.filter((v) => v.status === 'pass').length;
        const ok = met === report.verdicts.length;
        if (ok) done++;
        lines[at] = `  ${ok ? green('✓') : red('✗')} ${lab.number}  ${lab.lesson.title}: ${met}/${report.verdicts.length} goals`;
        if (lab.slug === loop.lesson.slug) loop.model.check = { phase: 'done', cause: 'check all', report };
      } catch (e) {
        if (busy.signal.aborted) { lines[at] = dim(`  - ${lab.number}  stopped`); break; }
        lines[at] = `  ${yellow('!')} ${lab.number}  ${isStagecraftError(e) ? e.message : String(e)}`;
      }
      loop.screen.draw();
    }
    lines.push('', bold(busy.signal.aborted ? `Stopped: ${done} of the labs checked pass.` : `${done} of ${labs.length} labs pass.`));
    this.busy = undefined;
    loop.model.panel = lines;
    loop.resume();
    loop.screen.draw();
  }

  async quit(): Promise<void> {
    if (this.quitting) return;
    this.quitting = true;
    this.busy?.abort();
    const loop = this.loop;
    if (loop) {
      loop.model.prompt = 'Stopping: removing what the checks created...';
      loop.screen.draw();
      await loop.stop();
    }
    await Promise.allSettled([...this.retired, ...(this.allRun ? [this.allRun] : [])]);
    this.resolveQuit?.();
  }
}

/** Reads keys: raw key presses on a terminal; one line per key elsewhere (an empty line is Enter). */
function readKeys(onKey: (k: Key) => void): () => void {
  const stdin = process.stdin;
  if (stdin.isTTY) {
    emitKeypressEvents(stdin);
    stdin.setRawMode(true);
    const handler = (str: string | undefined, key: { name?: string; ctrl?: boolean } | undefined): void => {
      if (key?.ctrl && key.name === 'c') onKey('interrupt');
      else if (key?.name === 'return' || key?.name === 'enter') onKey('enter');
      else if (key?.name === 'escape') onKey('escape');
      else if (str) onKey(str === 'q' ? 'quit' : str);
    };
    stdin.on('keypress', handler);
    stdin.resume();
    return () => { stdin.off('keypress', handler); stdin.setRawMode(false); stdin.pause(); };
  }
  const rl = createInterface({ input: stdin });
  rl.on('line', (line) => { const c = line.trim()[0]; onKey(c === undefined ? 'enter' : c === 'q' ? 'quit' : c); });
  // No more input (a pipe closed): nobody can press q, so stop.
  rl.on('close', () => onKey('quit'));
  return () => { rl.removeAllListeners('close'); rl.close(); };
}

/** `stagecraft [watch] [lesson]`. */
export async function watchCommand(argv: string[]): Promise<number> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} });
  let lab: CourseEntry | undefined;
  const notice: string[] = [];
  if (positionals[0]) {
    // Only the lab asked for is loaded before its first check starts.
    lab = await courseEntry(resolveSlug(positionals[0]));
  } else {
    const first = firstUnfinished(await courseStatus());
    lab = first;
    if (first?.state === 'done') notice.push(green('Every lab passes. Well done! Watching the first one: press n to move on, l for the list.'));
  }
  if (!lab) throw new StagecraftError('lab-missing', 'No lab can be worked on yet.', 'Check that lessons/ and labs/ are there (a fresh `git clone` of the course has them).');

  const session = new WatchSession();
  const quit = new Promise<void>((resolve) => { session.resolveQuit = resolve; });
  let interrupts = 0;
  const stopKeys = readKeys((k) => {
    if (k === 'interrupt' && ++interrupts > 1) process.exit(130);
    void session.key(k).catch((e: unknown) => { console.error(e); });
  });
  const onSigint = (): void => { if (++interrupts > 1) process.exit(130); void session.quit(); };
  process.on('SIGINT', onSigint);
  try {
    await session.open(lab, notice);
    await quit;
  } finally {
    stopKeys();
    process.off('SIGINT', onSigint);
  }
  return 0;
}
