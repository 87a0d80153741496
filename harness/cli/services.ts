import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseDockerfile } from '../build/dockerfile.ts';
import { newSessionId } from '../checks/build-lab.ts';
import { loadLesson } from '../course/registry.ts';
import { requireEngine } from '../engine/docker.ts';
import { StagecraftError } from '../errors.ts';
import { ensureMirror } from '../mirror/index.ts';
import { dim, green } from '../report/terminal.ts';
import { startServices } from '../services/service.ts';

/** Quotes a word for a POSIX shell when it needs it. */
const sh = (word: string): string => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`);

/**
 * `stagecraft services <lesson> [--dir DIR]`: runs the services a lesson's checks start (a
 * private registry) until Ctrl-C, and prints the `docker buildx build` command that builds
 * the lab by hand with what they provide, so a learner can watch what a check measures.
 */
export async function servicesCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { dir: { type: 'string' } } });
  const query = positionals[0];
  if (!query) throw new StagecraftError('usage', 'Which lesson? `npx stagecraft services 07`.');
  const lesson = await loadLesson(query);
  if (!lesson.services?.length) {
    console.log(`Lesson ${lesson.number} needs no services: build it with plain \`docker buildx build\`.`);
    return 0;
  }
  const dir = path.relative(process.cwd(), path.resolve(values.dir ?? lesson.labDir)) || '.';
  const dockerfile = parseDockerfile(await readFile(path.join(dir, 'Dockerfile'), 'utf8'), `${dir}/Dockerfile`);
  await requireEngine();
  const progress = (m: string): void => console.error(dim(m));
  const mirror = await ensureMirror({ onProgress: progress });
  const mirrorArgs = await mirror.buildArgs(dockerfile.baseImages);
  const started = await startServices(lesson.services, { lesson, sessionId: newSessionId(), onProgress: progress });
  const secretsDir = await mkdtemp(path.join(os.tmpdir(), 'stagecraft-services-'));
  const stop = async (): Promise<void> => {
    await started.stop();
    await rm(secretsDir, { recursive: true, force: true });
  };
  try {
    const { provision } = started;
    const args: string[] = [];
    for (const [id, content] of Object.entries(provision.secrets)) {
      const file = path.join(secretsDir, id);
      await writeFile(file, content, { mode: 0o600 });
      args.push('--secret', `id=${id},src=${file}`);
    }
    for (const [k, v] of Object.entries(provision.buildArgs)) args.push('--build-arg', `${k}=${v}`);
    args.push(...provision.extraArgs, ...mirrorArgs);
    console.log(`${green('✓')} Running for lesson ${lesson.number} until you press Ctrl-C: ${lesson.services.map((s) => s.name).join(', ')}.`);
    for (const [id, file] of Object.keys(provision.secrets).map((id) => [id, path.join(secretsDir, id)] as const)) {
      console.log(`  secret ${id}: ${file}`);
    }
    console.log('\nBuild the lab with what they provide (the package mirror flags included):\n');
    console.log(`  docker buildx build ${args.map(sh).join(' ')} -t lab${lesson.number} ${sh(dir)}\n`);
    console.log(dim('A check starts its own services, with new values: this token works only while this command runs.'));
    // Signal handlers do not keep Node running, and the registry process is unref'd: a timer does.
    const keepAlive = setInterval(() => undefined, 1 << 30);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    clearInterval(keepAlive);
    return 0;
  } finally {
    await stop();
  }
}
