/**
 * Layer order measured in any stage, not only the final image's layers: after source edits,
 * the steps that install dependencies come from BuildKit's cache (`CACHED` in its log).
 */
import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import { parseStepName } from '../../build/step-name.ts';
import { list } from '../format.ts';
import { goal, type Goal, type GoalOptions } from '../goal.ts';
import type { BuiltVariant, LabContext } from '../lab-context.ts';
import { notBuilt } from './common.ts';

export interface SourceEdit {
  /** A file in the build context (edited in a copy; the learner's file is untouched). */
  file: string;
  /** How a line comment starts in that file: `//`, `#`. */
  comment: string;
}

export interface StepsCachedSpec extends GoalOptions {
  edits: SourceEdit[];
  /** Steps that must come from the cache, matched against the instruction (`RUN npm ci`). */
  steps: RegExp;
  /** Words for messages: "the dependency installs". */
  what: string;
}

/**
 * The image rebuilt after the edits, each a comment naming this check appended to a file (so
 * no earlier build can answer from the cache). One build per context and set of edits: goals
 * that name the same edits share it.
 */
export function sourceEditVariant(ctx: LabContext, edits: SourceEdit[]): Promise<BuiltVariant> {
  // The key names the build's temp folder and image tag: letters, digits and dashes only.
  const key = `edit-${edits.map((e) => e.file).join('-')}`.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return ctx.variant(key, async (dir) => {
    for (const e of edits) await appendFile(path.join(dir, e.file), `\n${e.comment} edited by the stagecraft harness (check ${ctx.sessionId})\n`);
  });
}

/** After the edits, the image is rebuilt and every step matching `steps` shows CACHED. */
export function stepsCachedAfterEdit(spec: StepsCachedSpec): Goal {
  const edited = list(spec.edits.map((e) => e.file));
  const expected = `${spec.what} from the cache after editing ${edited}`;
  return goal({
    id: 'steps-cached-after-edit',
    title: `Editing ${edited} reuses ${spec.what} from the cache`,
    hint: 'In each stage, copy only the files the install needs (package.json, package-lock.json), install, and copy the sources after that.',
    async check(ctx) {
      const nb = notBuilt(ctx, expected);
      if (nb) return nb;
      const variant = await sourceEditVariant(ctx, spec.edits);
      if (variant.build.outcome !== 'built') {
        return { pass: false, expected, measured: 'the rebuild failed', message: `After editing ${edited} the image did not build: ${variant.build.reason ?? ''}` };
      }
      const matching = variant.build.steps.filter((s) => {
        const n = parseStepName(s.name);
        return n !== undefined && spec.steps.test(n.instruction);
      });
      if (!matching.length) return { pass: false, expected, measured: `no step matches ${spec.steps.source}`, message: `No build step runs ${spec.what}.` };
      const rebuilt = matching.filter((s) => !s.cached);
      return { pass: rebuilt.length === 0, expected,
        measured: rebuilt.length ? `ran again: ${list(rebuilt.map((s) => `\`${s.name}\``))}` : `${matching.length} step${matching.length > 1 ? 's' : ''} CACHED`,
        message: rebuilt.length ? `${list(rebuilt.map((s) => `\`${s.name}\``))} ran again although only ${edited} changed: an earlier step copies those files.` : undefined };
    },
  }, spec);
}
