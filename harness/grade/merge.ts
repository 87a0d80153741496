/**
 * Shards of one class, graded on several machines, into one output folder: every shard's
 * saved grades are copied over (the newer grade wins where two shards graded the same lab),
 * then every format is written as if one run had graded them all.
 */
import { existsSync } from 'node:fs';
import { StagecraftError } from '../errors.ts';
import { hasGrade, loadGrades, resultsDir, saveGrade } from './results-store.ts';
import type { LabGrade } from './types.ts';

export async function mergeShards(shardDirs: string[], out: string): Promise<number> {
  const missing = shardDirs.filter((d) => !existsSync(resultsDir(d)));
  if (missing.length) {
    throw new StagecraftError('usage', `No grades in ${missing.join(', ')} (each shard's --out folder has a results/ folder).`,
      'Pass the folders the shards wrote with --out.');
  }
  const current = new Map((await loadGrades(out)).map((g) => [`${g.student}/${g.lesson}`, g]));
  let merged = 0;
  for (const dir of shardDirs) {
    for (const g of await loadGrades(dir)) {
      const key = `${g.student}/${g.lesson}`;
      const have: LabGrade | undefined = current.get(key);
      if (have && hasGrade(out, g.student, g.lesson) && have.gradedAt >= g.gradedAt) continue;
      await saveGrade(out, g);
      current.set(key, g);
      merged++;
    }
  }
  return merged;
}
