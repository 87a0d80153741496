/**
 * A lab's compose file seen from a check: what compose resolves it to, the image each
 * service runs (built by the harness from the lab's Dockerfile, with the mirror's flags,
 * so compose itself never builds), and one started project that goals share.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { targetStage } from '../build/dockerfile.ts';
import { ComposeError, ComposeProject, ComposeRefusedError, composeConfig, type ComposeFiles, type ComposeModel, type UpResult } from '../run/compose.ts';
import type { LabContext } from './lab-context.ts';

export const DEFAULT_COMPOSE_FILE = 'compose.yaml';

export interface ComposeFacts {
  model: ComposeModel;
  warnings: string[];
}

/** Compose project names allow lowercase letters, digits, `-` and `_`. */
function projectName(ctx: LabContext, file: string, purpose: string): string {
  return `stagecraft-${ctx.sessionId}-${purpose}-${file}`.toLowerCase().replace(/[^a-z0-9_-]+/g, '-');
}

function files(ctx: LabContext, file: string, purpose: string): ComposeFiles {
  return { projectDir: ctx.contextDir, files: [file], projectName: projectName(ctx, file, purpose) };
}

/**
 * `docker compose config` of the lab's file, once per check (rejects with a ComposeError).
 * Under isolation the file is untrusted: compose reads nothing outside the lab folder and
 * none of the harness's environment (a ComposeRefusedError says what to change).
 */
export function composeFacts(ctx: LabContext, file = DEFAULT_COMPOSE_FILE): Promise<ComposeFacts> {
  return ctx.shared(`compose-config:${file}`, async () => {
    try {
      return await composeConfig(files(ctx, file, 'config'), undefined, { isolate: !!ctx.isolation });
    } catch (e) {
      if (e instanceof ComposeRefusedError) throw e;
      if (e instanceof ComposeError) throw new ComposeError(`docker compose could not read ${file}: ${e.message}`);
      throw e;
    }
  });
}

/** Compose may print a temp folder by another of its names (macOS: /var -> /private/var). */
function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/** The context whose image a service runs, or why there is none to measure. */
export type ServiceImage = { service: string; ctx: LabContext } | { service: string; problem: string };

/**
 * The image of one service: the lab's main build when the service builds the Dockerfile's
 * final stage, else the lab built with the service's `target`. Services must build from
 * the lab's own folder and Dockerfile, which is what the harness can build with its flags.
 */
export async function serviceImage(ctx: LabContext, service: string, file = DEFAULT_COMPOSE_FILE): Promise<ServiceImage> {
  let facts: ComposeFacts;
  try {
    facts = await composeFacts(ctx, file);
  } catch (e) {
    if (e instanceof ComposeError) return { service, problem: e.message };
    throw e;
  }
  const svc = facts.model.services[service];
  if (!svc) return { service, problem: `${file} has no service \`${service}\` (it has ${Object.keys(facts.model.services).join(', ') || 'none'}).` };
  const build = svc.build;
  if (!build) return { service, problem: `Service \`${service}\` in ${file} has no \`build:\`: give it the lab folder as context and its stage as \`target\`.` };
  if (real(build.context) !== real(ctx.contextDir)) {
    return { service, problem: `Service \`${service}\` builds from ${path.relative(ctx.contextDir, build.context) || build.context}, not from the lab folder (\`context: .\`): the lesson wants one Dockerfile for every image.` };
  }
  const dockerfile = path.resolve(build.context, build.dockerfile ?? 'Dockerfile');
  if (real(dockerfile) !== real(path.join(ctx.contextDir, 'Dockerfile'))) {
    return { service, problem: `Service \`${service}\` builds ${path.relative(ctx.contextDir, dockerfile)}, not the lab's Dockerfile.` };
  }
  // No target means the last stage, for compose as for the main build: compare stage names.
  const final = targetStage(ctx.dockerfile)?.name;
  const stageOf = (target: string | undefined): string | undefined => (target ?? final)?.toLowerCase();
  if (stageOf(build.target) === stageOf(ctx.lesson.target)) return { service, ctx };
  if (!build.target) return { service, problem: `Service \`${service}\` builds the Dockerfile's last stage, which is not named: set its \`build.target\`.` };
  return { service, ctx: await ctx.forTarget(build.target) };
}

export interface ComposeRun {
  project: ComposeProject;
  up: UpResult;
}

/** A project of a few small services is up and healthy in seconds; a HEALTHCHECK that never passes should not hold a check for minutes. */
export const COMPOSE_WAIT_MS = 30_000;

/**
 * The lab's compose project, started once per check from the images the harness built and
 * shared by every goal that probes it; `docker compose down -v` when the check ends. Rejects
 * with a ComposeError (learner-readable) when the file or a service's image is not usable.
 * Under isolation the project runs on internal networks under the grading limits, and a
 * file asking for more than isolation allows is refused (see runnableModel).
 */
export function composeRun(ctx: LabContext, file = DEFAULT_COMPOSE_FILE, waitTimeoutMs = COMPOSE_WAIT_MS): Promise<ComposeRun> {
  return ctx.shared(`compose-run:${file}`, async () => {
    const { model } = await composeFacts(ctx, file);
    const images: Record<string, string> = {};
    for (const [service, svc] of Object.entries(model.services)) {
      if (!svc.build) continue;
      const img = await serviceImage(ctx, service, file);
      if ('problem' in img) throw new ComposeError(img.problem);
      if (!img.ctx.built) throw new ComposeError(`The image of service \`${service}\` did not build: ${img.ctx.build.reason ?? 'unknown reason'}.`);
      images[service] = img.ctx.build.tag;
    }
    const isolation = ctx.isolation;
    return ComposeProject.up(files(ctx, file, 'up'), model, {
      images, labels: ctx.labels, isolate: !!isolation, limits: isolation?.limits,
      waitTimeoutMs: isolation ? Math.min(waitTimeoutMs, isolation.limits.startupTimeoutMs) : waitTimeoutMs,
    });
  }, (run) => run.project.down());
}
