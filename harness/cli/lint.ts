import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseDockerfile } from '../build/dockerfile.ts';
import { assembleContext, makeWorkDir } from '../course/lab-files.ts';
import { loadLesson } from '../course/registry.ts';
import { engineAnswers } from '../engine/docker.ts';
import { StagecraftError } from '../errors.ts';
import { lintBuildContext } from '../lint/context.ts';
import { LINT_RULES } from '../lint/rules.ts';
import { bold, dim, lintLines } from '../report/terminal.ts';

/**
 * `stagecraft lint <lesson> [--dir DIR] [--json]`: Docker's build checks on a lab's
 * Dockerfile, with its .dockerignore and (when an engine answers) its base images'
 * variables. Builds nothing. Exit 0 no findings, 1 findings, 2 cannot lint.
 */
export async function lintCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { dir: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  const query = positionals[0];
  if (!query) throw new StagecraftError('usage', 'Which lesson? `npx stagecraft lint 02`.');
  const lesson = await loadLesson(query);
  const dir = path.resolve(values.dir ?? lesson.labDir);
  const label = `${path.relative(process.cwd(), dir) || '.'}/Dockerfile`;

  // Lint the context a build would get: the course's lab overlaid with the learner's files.
  const contextDir = await makeWorkDir(`lint-${lesson.number}`);
  try {
    await assembleContext(lesson, dir, contextDir, 'all');
    const parsed = parseDockerfile(await readFile(path.join(contextDir, 'Dockerfile'), 'utf8'), label);
    const engine = await engineAnswers();
    const findings = await lintBuildContext(contextDir, engine ? parsed.baseImages : []);
    if (values.json) {
      console.log(JSON.stringify({ lesson: lesson.slug, dockerfile: label, findings }, null, 2));
    } else {
      console.log(bold(`Lab ${lesson.slug}: ${label}`));
      console.log(lintLines(findings, label).join('\n'));
      const rules = [...new Set(findings.map((f) => f.rule))];
      if (rules.length) {
        console.log('');
        for (const rule of rules) console.log(`  ${bold(rule)}: ${LINT_RULES[rule]}`);
      }
      if (!engine) console.log(dim('\nNo Docker engine answers: variables the base images define are unknown, so UndefinedVar stays quiet about those stages.'));
    }
    return findings.length ? 1 : 0;
  } finally {
    await rm(contextDir, { recursive: true, force: true });
  }
}
