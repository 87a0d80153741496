import { randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { parseDockerfile } from '../build/dockerfile.ts';
import type { BuildResult } from '../build/buildx.ts';
import type { BuildLog } from '../build/build-log.ts';
import { docker, imagePresent, requireEngine } from '../engine/docker.ts';
import { SESSION_LABEL } from '../engine/labels.ts';
import { removeManaged } from '../engine/cleanup.ts';
import { StagecraftError } from '../errors.ts';
import { assembleContext, makeWorkDir, type Take } from '../course/lab-files.ts';
import type { Lesson } from '../course/lesson.ts';
import { ensureMirror } from '../mirror/index.ts';
import { startServices, type StartedServices } from '../services/service.ts';
import { LabContext } from './lab-context.ts';
import type { Isolation } from '../sandbox/isolation.ts';

export interface BuildLabOptions {
  /** The folder holding the lab's files; defaults to the lab in `labs/`. */
  dir?: string;
  take?: Take;
  /** Progress lines (build steps, goal names) as they happen. */
  onProgress?: (line: string) => void;
  /** Each line of the main build's BuildKit log, with the log so far (its steps: cached or not). */
  onBuildLine?: (line: string, log: BuildLog) => void;
  /** Called with the context as soon as it is assembled, before the main build starts (work that needs only the context starts then). */
  onContext?: (ctx: LabContext) => void;
  /**
   * When given, the session's images (and whatever else it left in the engine) are not removed
   * at the end: `remove` is handed over instead, for the caller to call once its next check has
   * built. Watch mode holds them so that check finds its unchanged layers still unpacked: the
   * engine would otherwise unpack them again (an npm install's worth of files) for every save.
   * Containers are removed at the end either way.
   */
  holdImages?: (remove: () => Promise<void>) => void;
  signal?: AbortSignal;
  /** Untrusted code: build and run it isolated, under limits (see harness/sandbox). */
  isolation?: Isolation;
}

/** A lab's image, built from an assembled copy of its context, ready to be measured. */
export interface BuiltLab {
  lesson: Lesson;
  /** The folder the learner's files came from. */
  dir: string;
  ctx: LabContext;
  /** The main build: it may have failed, which is for the caller to report. */
  build: BuildResult;
}

export function newSessionId(): string {
  return `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

/**
 * Assembles a lab's build context, builds it the way `check` does (engine, base images and
 * package mirror first), hands the result to `use`, then removes everything the session
 * created. Throws StagecraftError when the lab cannot be built at all (no engine, bad
 * Dockerfile, missing files or base images); a build that fails is handed over.
 */
export async function withBuiltLab<T>(lesson: Lesson, opts: BuildLabOptions, use: (lab: BuiltLab) => Promise<T>): Promise<T> {
  const dir = path.resolve(opts.dir ?? lesson.labDir);
  const sessionId = newSessionId();
  const progress = opts.onProgress ?? ((): void => undefined);
  const contextDir = await makeWorkDir(lesson.number);
  let ctx: LabContext | undefined;
  let services: StartedServices | undefined;
  try {
    await assembleContext(lesson, dir, contextDir, opts.take ?? 'all');
    const dockerfile = parseDockerfile(await readFile(path.join(contextDir, 'Dockerfile'), 'utf8'), `${path.relative(process.cwd(), dir) || '.'}/Dockerfile`);
    await requireEngine();
    await requireBaseImages(dockerfile.baseImages);
    const mirror = await ensureMirror({ onProgress: progress });
    const extraBuildArgs = await mirror.buildArgs(dockerfile.baseImages, lesson.platforms ? { platforms: lesson.platforms } : undefined);

    // The lesson's services (a private registry) run for this check; every build gets what they provide.
    services = await startServices(lesson.services ?? [], { lesson, sessionId, onProgress: progress });

    for (const port of services.provision.gatewayPorts) await opts.isolation?.exposeGatewayPort(port);
    ctx = new LabContext({ lesson, sessionId, contextDir, dockerfile, extraBuildArgs, services, onProgress: progress, signal: opts.signal, isolation: opts.isolation });
    opts.onContext?.(ctx);
    progress('building the image');
    const build = await ctx.buildMain((line, log) => {
      if (/^#\d+ \[/.test(line)) progress(line.replace(/^#\d+ /, ''));
      opts.onBuildLine?.(line, log);
    });
    if (build.outcome === 'cancelled') throw new StagecraftError('usage', 'The check was cancelled.');
    if (build.outcome === 'failed' && /dockerfile parse error|failed to parse/i.test(build.reason ?? '')) {
      throw new StagecraftError('dockerfile-invalid', `The Dockerfile does not parse: ${build.reason ?? ''}`, 'Fix the line it names and check again.');
    }
    return await use({ lesson, dir, ctx, build });
  } finally {
    await ctx?.dispose();
    await services?.stop();
    const removeSession = async (): Promise<void> => { await removeManaged(sessionId).catch(() => undefined); };
    if (opts.holdImages) {
      await removeSessionContainers(sessionId).catch(() => undefined);
      opts.holdImages(removeSession);
    } else {
      await removeSession();
    }
    await rm(contextDir, { recursive: true, force: true });
  }
}

/** The session's containers (one that never got ready may still run): gone at the end of every check. */
async function removeSessionContainers(sessionId: string): Promise<void> {
  const found = await docker().listContainers({ all: true, filters: { label: [`${SESSION_LABEL}=${sessionId}`] } });
  await Promise.all(found.map((c) => docker().getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined)));
}

async function requireBaseImages(refs: string[]): Promise<void> {
  const missing: string[] = [];
  for (const ref of refs) if (!(await imagePresent(ref))) missing.push(ref);
  if (missing.length) {
    throw new StagecraftError('base-image-missing', `The base image${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not on this machine.`,
      'Run `npx stagecraft images` to pull or build the images the course uses (or `npx stagecraft images --load FILE` from a workshop copy).');
  }
}
