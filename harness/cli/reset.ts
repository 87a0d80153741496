import { parseArgs } from 'node:util';
import { StagecraftError, isStagecraftError } from '../errors.ts';
import { lessonSlugs, resolveSlug } from '../course/registry.ts';
import { resetLab, type ResetResult } from '../learn/reset.ts';
import { updateLab } from '../learn/state.ts';
import { bold, dim, red } from '../report/terminal.ts';

/** What a reset did, for the learner: what came back, and where their own files went. */
export function backupLines(slug: string, r: ResetResult): string[] {
  if (!r.restored.length && !r.backups.length) return [`Lab ${slug} already holds its starter files: nothing to reset.`];
  const lines = [bold(`Lab ${slug} is back to its starter files`) + dim(` (${r.restored.length} restored).`)];
  if (r.backups.length) lines.push('Your versions are kept here:', ...r.backups.map((b) => `  ${b}`));
  return lines;
}

/** `stagecraft reset <lesson>` or `reset --all`: starter files back, the learner's kept as backups. */
export async function resetCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { all: { type: 'boolean', default: false } } });
  if (!values.all && !positionals[0]) throw new StagecraftError('usage', 'Which lab? `npx stagecraft reset 01` (or `reset --all`).');
  const slugs = values.all ? lessonSlugs() : [resolveSlug(positionals[0] ?? '')];
  let failed = 0;
  for (const slug of slugs) {
    try {
      const r = await resetLab(slug);
      if (r.restored.length || r.backups.length) updateLab(slug, (lab) => { delete lab.last; });
      console.log(backupLines(slug, r).join('\n'));
    } catch (e) {
      if (!isStagecraftError(e) || !values.all) throw e;
      failed++;
      console.log(red(`Lab ${slug}: ${e.message}`));
    }
  }
  return failed ? 2 : 0;
}
