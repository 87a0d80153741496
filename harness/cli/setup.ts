import { requireEngine } from '../engine/docker.ts';
import { ensureImages } from '../images/ensure.ts';
import { ensureMirror } from '../mirror/index.ts';
import { checkCommand } from './check.ts';

/**
 * `stagecraft setup`: everything a learner needs before the first lab (the engine answers,
 * the base images are present, the mirror runs), then lab 01 is checked.
 */
export async function setupCommand(): Promise<number> {
  await requireEngine();
  console.log('Making the base images present (stand-ins are built once, a few minutes)...');
  const results = await ensureImages({ onProgress: (line) => console.log(`  ${line}`) });
  const failed = results.filter((r) => r.action === 'failed');
  if (failed.length) {
    for (const r of failed) console.error(`  ${r.ref}: ${r.error ?? 'failed'}${r.fix ? `\n    fix: ${r.fix}` : ''}`);
    return 2;
  }
  await ensureMirror({ onProgress: (line) => console.log(`  ${line}`) });
  console.log('\nReady. Lab 01, as it stands:\n');
  const code = await checkCommand(['01']);
  console.log('\nRead lessons/01-build-context/README.md, edit labs/01-build-context/, and run `npx stagecraft check 01` again.');
  return code === 2 ? 2 : 0;
}
