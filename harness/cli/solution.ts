import { parseArgs } from 'node:util';
import { StagecraftError } from '../errors.ts';
import { loadLesson } from '../course/registry.ts';
import { solutionLines } from '../learn/solution.ts';

/** `stagecraft solution <lesson> [--force]`: the reference and a diff, for a lab you have passed. */
export async function solutionCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { force: { type: 'boolean', default: false } } });
  const query = positionals[0];
  if (!query) throw new StagecraftError('usage', 'Which lesson? `npx stagecraft solution 01`.');
  console.log((await solutionLines(await loadLesson(query), { force: values.force ?? false })).join('\n'));
  return 0;
}
