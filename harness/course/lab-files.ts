import { cp, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StagecraftError } from '../errors.ts';
import type { Lesson } from './lesson.ts';

/**
 * Which files of `sourceDir` go into the build context: `all` for a learner's own lab
 * (their edits to the app count), `owned` for a grader (only the files the lab owns).
 */
export type Take = 'all' | 'owned';

/** Build contexts live in temp dirs, so nothing the harness plants or edits touches the lab. */
export async function makeWorkDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `stagecraft-${prefix}-`));
}

/**
 * Assembles a lab's build context in `dest`: the course's copy of the lab, overlaid with
 * the files from `sourceDir`, plus what the lesson plants (.git, .env, ...).
 */
export async function assembleContext(lesson: Lesson, sourceDir: string, dest: string, take: Take = 'all'): Promise<void> {
  if (!existsSync(sourceDir)) {
    throw new StagecraftError('lab-missing', `The folder ${sourceDir} does not exist.`,
      `Point --dir at a folder holding lab ${lesson.slug}'s files, or run \`npx stagecraft reset ${lesson.number}\` to restore the lab.`);
  }
  if (!existsSync(path.join(sourceDir, 'Dockerfile'))) {
    throw new StagecraftError('lab-missing', `There is no Dockerfile in ${sourceDir}.`,
      `Write one there (the lab's starter is in labs/${lesson.slug}/), or restore it with \`npx stagecraft reset ${lesson.number}\`.`);
  }
  await mkdir(dest, { recursive: true });
  if (path.resolve(sourceDir) !== path.resolve(lesson.labDir)) {
    await cp(lesson.labDir, dest, { recursive: true, verbatimSymlinks: true, filter: (src) => !isBackup(src) });
  }
  if (take === 'all') {
    await cp(sourceDir, dest, { recursive: true, force: true, verbatimSymlinks: true, filter: (src) => !isBackup(src) });
  } else {
    for (const file of lesson.owns) {
      const from = path.join(sourceDir, file);
      if (existsSync(from)) await cp(from, path.join(dest, file), { recursive: true, force: true, verbatimSymlinks: true });
    }
  }
  for (const [rel, content] of Object.entries(lesson.plant ?? {})) {
    const file = path.join(dest, rel);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
  }
}

const isBackup = (src: string): boolean => src.endsWith('.stagecraft-backup');
