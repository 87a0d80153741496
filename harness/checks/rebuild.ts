/**
 * A rebuild in which every RUN step runs again but cache mounts keep what they hold: what
 * "the next build after a change" looks like to apt or npm, measured on a warm engine too.
 *
 * `--no-cache` cannot do it: BuildKit then gives RUN steps fresh, empty cache mounts as
 * well. Instead the copy of the Dockerfile declares `ARG STAGECRAFT_REBUILD=<new value>`
 * right after each FROM: a declared ARG is in the environment of every later RUN, so its new
 * value misses the layer cache, and changes nothing else. The value is new for each check,
 * so no earlier check's layers can answer.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';
import { cacheMountsOfInstruction, type CacheMount } from '../build/cache-mounts.ts';
import type { BuildStep } from '../build/build-log.ts';
import { parseStepName } from '../build/step-name.ts';
import type { BuiltVariant, LabContext } from './lab-context.ts';

/** An edit to the copy of the context before the rebuild: a dependency added, say. */
export interface ContextChange {
  /** Names the variant: the same key is the same rebuild, shared by every goal that asks. */
  key: string;
  /** Words for messages: "adding morgan to package.json and package-lock.json". */
  describe: string;
  apply(contextDir: string): Promise<void>;
}

export const REBUILD_ARG = 'STAGECRAFT_REBUILD';

/** The Dockerfile text with `ARG <name>=<value>` after every FROM instruction. */
export function withArgAfterEachFrom(text: string, name: string, value: string): string {
  const lines = text.split('\n');
  const ends = DockerfileParser.parse(text).getFROMs().map((f) => f.getRange().end.line).sort((a, b) => b - a);
  for (const end of ends) lines.splice(end + 1, 0, `ARG ${name}=${value}`);
  return lines.join('\n');
}

/**
 * The lab rebuilt with every RUN step run again (after `change`, if any), its downloads
 * recorded. `attempt` 2 is the same rebuild once more, for when the first found a cache
 * mount empty (a new engine, or one whose build cache was pruned).
 */
export function forcedRebuild(ctx: LabContext, change: ContextChange | undefined, attempt: 1 | 2 = 1): Promise<BuiltVariant> {
  const key = `rebuild-${change?.key ?? 'unchanged'}-${attempt}`;
  return ctx.variant(key, async (dir) => {
    await change?.apply(dir);
    const file = path.join(dir, 'Dockerfile');
    await writeFile(file, withArgAfterEachFrom(await readFile(file, 'utf8'), REBUILD_ARG, `${ctx.sessionId}-${attempt}`));
  }, { recordDownloads: true });
}

/** The RUN steps a build ran (not from the cache), with the cache mounts BuildKit gave them. */
export function runStepsWithMounts(steps: BuildStep[]): { step: BuildStep; instruction: string; mounts: CacheMount[] }[] {
  return steps.flatMap((step) => {
    const name = parseStepName(step.name);
    if (!name || !/^RUN\s/i.test(name.instruction) || step.cached) return [];
    return [{ step, instruction: name.instruction, mounts: cacheMountsOfInstruction(name.instruction) }];
  });
}
