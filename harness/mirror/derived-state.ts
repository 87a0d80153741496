import { readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';

/**
 * What the harness knows about base images, kept in a file rather than in labels: labels
 * of a base image are inherited by every image built on it, so anything put there would
 * end up in learners' images.
 */
export interface DerivedRecord {
  /** The base image's ID when the variant was made; a rebuilt base gets a new variant. */
  baseId: string;
  /** The variant's tag and ID (`stagecraft-mirror/...`). */
  tag: string;
  imageId: string;
  /** The registry URL written into the variant's npm config, and the config's recipe. */
  registry: string;
  recipe: number;
  /** Platforms the variant has: every one of `probed` that the base has. */
  platforms: string[];
  /** Platforms looked for in the base when the variant was made. */
  probed: string[];
}

export interface DerivedState {
  /** By the base's short reference (`node:24-trixie-slim`). */
  derived: Record<string, DerivedRecord>;
  /** Base image IDs probed and found without npm: they need nothing. */
  noNpm: Record<string, true>;
}

export function readDerivedState(file: string): DerivedState {
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as Partial<DerivedState>;
    return { derived: s.derived ?? {}, noNpm: s.noNpm ?? {} };
  } catch {
    return { derived: {}, noNpm: {} };
  }
}

export async function writeDerivedState(file: string, state: DerivedState): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`);
  await rename(tmp, file);
}
