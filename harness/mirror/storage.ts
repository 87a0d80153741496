import { readdir } from 'node:fs/promises';
import path from 'node:path';

/** Packages verdaccio has cached: folders with a package.json, scoped ones one level down. */
export async function cachedPackageCount(storage: string): Promise<number> {
  const entries = await readdir(storage, { withFileTypes: true }).catch(() => []);
  let count = 0;
  for (const e of entries) {
    if (!e.isDirectory() || e.name.startsWith('.')) continue;
    const dir = path.join(storage, e.name);
    if (e.name.startsWith('@')) {
      const scoped = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const s of scoped) if (s.isDirectory() && (await hasManifest(path.join(dir, s.name)))) count++;
    } else if (await hasManifest(dir)) {
      count++;
    }
  }
  return count;
}

async function hasManifest(dir: string): Promise<boolean> {
  const files = await readdir(dir).catch(() => [] as string[]);
  return files.includes('package.json');
}
