import { StagecraftError } from '../errors.ts';
import { loadLesson } from '../course/registry.ts';
import { hintLines, nextHint } from '../learn/hints.ts';
import { dim, yellow } from '../report/terminal.ts';

/** `stagecraft hint <lesson>`: one more hint each time, with those shown before. Exit 0. */
export async function hintCommand(argv: string[]): Promise<number> {
  const query = argv[0];
  if (!query) throw new StagecraftError('usage', 'Which lesson? `npx stagecraft hint 01`.');
  const lesson = await loadLesson(query);
  const h = nextHint(lesson);
  if (!h.total) { console.log('This lesson has no hints.'); return 0; }
  console.log(hintLines(h).map((l, i) => (i === h.shown.length - 1 && h.revealed ? yellow(l) : dim(l))).join('\n'));
  if (!h.revealed) console.log(`\nThat was the last hint. Once lab ${lesson.number} passes, \`npx stagecraft solution ${lesson.number}\` shows the reference solution.`);
  return 0;
}
