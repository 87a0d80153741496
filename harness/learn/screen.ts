/**
 * The watch-mode screen: what the learner sees while a lab is watched. `renderScreen` is a
 * pure function of the model (tested on its own); `Screen` draws it on a terminal, redrawn
 * in place, or, when output is not a terminal, prints only finished verdicts.
 */
import type { BuildLog, BuildStep } from '../build/build-log.ts';
import { parseStepName } from '../build/step-name.ts';
import type { LabReport } from '../checks/check-lab.ts';
import type { Verdict } from '../checks/goal.ts';
import { seconds } from '../checks/format.ts';
import type { StagecraftError } from '../errors.ts';
import { bold, dim, green, red, renderError, renderReport, verdictLine, yellow } from '../report/terminal.ts';
import { hintLines, type HintState } from './hints.ts';

export interface StepView {
  /** `[3/5] RUN npm ci` */
  name: string;
  state: 'running' | 'cached' | 'done' | 'error';
  /** BuildKit's own duration, or time so far while running (seconds). */
  seconds: number | undefined;
}

export type CheckView =
  | { phase: 'waiting' }
  | { phase: 'running'; cause: string; startedAt: number; steps: StepView[]; activity: string; verdicts: Verdict[] }
  | { phase: 'done'; cause: string; report: LabReport }
  | { phase: 'error'; cause: string; error: StagecraftError };

export interface ScreenModel {
  lab: { number: string; slug: string; title: string };
  /** The watched folder as the learner would type it: `labs/01-build-context`. */
  dir: string;
  /** Why the folder cannot be watched (then Enter is the way to check). */
  watchFailure: string | undefined;
  check: CheckView;
  hints: HintState | undefined;
  /** The lab after this one, for the "done" line. */
  next: { number: string; title: string } | undefined;
  /** Extra lines under the verdict: the course list, a reset's backups, check-all results. */
  panel: string[];
  /** A question waiting for a key (reset's y/N). */
  prompt: string | undefined;
}

const SPIN = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** The Dockerfile steps of a build log, as the screen lists them. */
export function stepViews(log: BuildLog, now = performance.now()): StepView[] {
  return log.ordered().flatMap((s: BuildStep) => {
    if (!parseStepName(s.name)) return [];
    const state: StepView['state'] = s.error !== undefined ? 'error' : s.cached ? 'cached' : s.done ? 'done' : 'running';
    const secs = s.durationMs !== undefined ? s.durationMs / 1000 : state === 'running' ? (now - s.seenAt) / 1000 : undefined;
    return [{ name: s.name, state, seconds: secs }];
  });
}

function stepLine(s: StepView, frame: number): string {
  const t = s.seconds !== undefined ? ` ${s.seconds.toFixed(1)}s` : '';
  switch (s.state) {
    case 'cached': return `  ${green('✓')} ${s.name} ${dim('cached')}`;
    case 'done': return `  ${green('✓')} ${s.name} ${dim(`built${t}`)}`;
    case 'error': return `  ${red('✗')} ${s.name} ${red('failed')}`;
    case 'running': return `  ${yellow(SPIN[frame % SPIN.length] ?? '*')} ${bold(s.name)} ${dim(`running${t}`)}`;
  }
}

/** One line summing a finished build's steps: "5 steps, 4 from the cache". */
export function buildSummary(steps: StepView[]): string {
  const cached = steps.filter((s) => s.state === 'cached').length;
  return `${steps.length} step${steps.length === 1 ? '' : 's'}, ${cached} from the cache`;
}

export function keysLine(m: ScreenModel): string {
  const keys = 'Enter check · h hint · n next lab · l list · a check all · r reset · q quit';
  return dim(`keys: ${keys}`);
}

export function renderScreen(m: ScreenModel, now = performance.now()): string {
  const out: string[] = [];
  out.push(`${bold(`Stagecraft · lab ${m.lab.number}: ${m.lab.title}`)}  ${dim(`lessons/${m.lab.slug}/README.md`)}`);
  out.push(m.watchFailure
    ? yellow(`Cannot watch ${m.dir}/ (${m.watchFailure}): save your files, then press Enter to check.`)
    : dim(`Watching ${m.dir}/: every save checks the lab again.`));
  out.push('');
  const c = m.check;
  if (c.phase === 'waiting') out.push(dim('Waiting for the first check...'));
  if (c.phase === 'running') {
    const frame = Math.floor(now / 100);
    out.push(`${yellow('Checking')} ${dim(`(${c.cause}, ${seconds(now - c.startedAt)})`)}`);
    if (!c.verdicts.length) {
      for (const s of c.steps) out.push(stepLine(s, frame));
      if (!c.steps.length || c.steps.every((s) => s.state !== 'running')) out.push(dim(`  ${c.activity}`));
    } else {
      out.push(dim(`  built: ${buildSummary(c.steps)}`));
      for (const v of c.verdicts) out.push(verdictLine(v));
      out.push(dim(`  ${c.activity}`));
    }
  }
  if (c.phase === 'done') {
    out.push(dim(`Checked after: ${c.cause}.`));
    out.push(renderReport(c.report));
    const passed = c.report.verdicts.length > 0 && c.report.verdicts.every((v) => v.status === 'pass');
    if (passed) {
      out.push('', green(bold(`Lab ${m.lab.number} is done.`))
        + (m.next ? ` Press n for lab ${m.next.number} · ${m.next.title}, or keep experimenting: every save checks again.` : ' That was the last lab: well done!'));
    }
  }
  if (c.phase === 'error') {
    out.push(dim(`Checked after: ${c.cause}.`));
    out.push(renderError(c.error));
    out.push(dim('Fix that, then save a file or press Enter to check again.'));
  }
  if (m.hints?.shown.length) {
    out.push('', ...hintLines(m.hints).map((l) => yellow(l)));
    if (m.hints.shown.length === m.hints.total) {
      const passed = c.phase === 'done' && c.report.verdicts.every((v) => v.status === 'pass');
      out.push(dim(`That is every hint. ${passed ? '' : 'Once the lab passes, '}\`npx stagecraft solution ${m.lab.number}\` shows the reference solution.`));
    }
  }
  if (m.panel.length) out.push('', ...m.panel);
  out.push('');
  out.push(m.prompt ? bold(m.prompt) : keysLine(m));
  return out.join('\n');
}

/** Where the screen goes: a terminal redrawn in place, or plain appended output. */
export interface ScreenSink {
  write(text: string): void;
  /** Whether the sink redraws in place (a terminal). */
  readonly tty: boolean;
  rows?: () => number;
  columns?: () => number;
}

export function terminalSink(stream: NodeJS.WriteStream = process.stdout): ScreenSink {
  return { write: (t) => { stream.write(t); }, tty: stream.isTTY === true, rows: () => stream.rows || 24, columns: () => stream.columns || 80 };
}

/** Characters a line takes on screen: colour codes take none. */
export function visibleLength(line: string): number {
  // eslint-disable-next-line no-control-regex
  return line.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '').length;
}

/**
 * Draws the model. On a terminal every draw replaces the screen (throttled while a check
 * runs, immediate for a verdict); elsewhere only a finished check, an error or a panel is
 * printed, once each.
 */
export class Screen {
  private lastPlain = '';
  private pending: NodeJS.Timeout | undefined;
  private lastDraw = 0;

  constructor(private readonly sink: ScreenSink, private readonly model: () => ScreenModel) {}

  /** Redraws now (a verdict, a key's answer). */
  draw(): void {
    if (this.pending) { clearTimeout(this.pending); this.pending = undefined; }
    this.lastDraw = performance.now();
    const m = this.model();
    if (this.sink.tty) {
      const lines = renderScreen(m, this.lastDraw).split('\n');
      const cols = this.sink.columns?.() ?? 80;
      const height = lines.reduce((n, l) => n + Math.max(1, Math.ceil(visibleLength(l) / cols)), 0);
      // Home, draw, clear what is left of the previous screen: no flicker. A screen taller
      // than the terminal scrolls, so it is drawn on a cleared one instead.
      if (height >= (this.sink.rows?.() ?? 24)) this.sink.write(`\u001b[2J\u001b[H${lines.join('\n')}\n`);
      else this.sink.write(`\u001b[H${lines.map((l) => `${l}\u001b[K`).join('\n')}\n\u001b[J`);
      return;
    }
    if (m.check.phase === 'running' || m.check.phase === 'waiting') return;
    const text = renderScreen(m, this.lastDraw);
    if (text !== this.lastPlain) this.sink.write(`${text}\n\n`);
    this.lastPlain = text;
  }

  /** Redraws soon (build progress): at most every 100 ms. */
  update(): void {
    if (this.pending) return;
    const wait = Math.max(0, 100 - (performance.now() - this.lastDraw));
    this.pending = setTimeout(() => { this.pending = undefined; this.draw(); }, wait);
  }

  /** Clears the screen once (entering watch mode). */
  clear(): void {
    if (this.sink.tty) this.sink.write('\u001b[2J\u001b[H');
  }

  dispose(): void {
    if (this.pending) clearTimeout(this.pending);
    this.pending = undefined;
  }
}
