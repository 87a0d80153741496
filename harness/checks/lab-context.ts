import { cp, rm } from 'node:fs/promises';
import path from 'node:path';
import { buildImage, type BuildRequest, type BuildResult } from '../build/buildx.ts';
import type { ParsedDockerfile } from '../build/dockerfile.ts';
import { managedLabels } from '../engine/labels.ts';
import { imageFacts, type ImageFacts } from '../inspect/image-facts.ts';
import { startApp, ContainerStartError, type RunningApp } from '../run/container.ts';
import { assembleContext, makeWorkDir } from '../course/lab-files.ts';
import type { Lesson } from '../course/lesson.ts';

/** A build of the lab made for a goal: the main one, the starter, or an edited copy. */
export interface BuiltVariant {
  build: BuildResult;
  /** Config, history and diffIDs; layers only for the main image and the starter. */
  facts: ImageFacts | undefined;
}

export interface LabContextInit {
  lesson: Lesson;
  sessionId: string;
  contextDir: string;
  dockerfile: ParsedDockerfile;
  build: BuildResult;
  /** Extra buildx flags (the package mirror), used for every build of this check. */
  extraBuildArgs: string[];
  onProgress?: (line: string) => void;
}

/**
 * What goals measure, computed lazily and once: the image facts, the running container,
 * the starter's image, rebuilds after edits. Goals never build or start things themselves.
 */
export class LabContext {
  readonly lesson: Lesson;
  readonly sessionId: string;
  readonly contextDir: string;
  readonly dockerfile: ParsedDockerfile;
  readonly build: BuildResult;
  private readonly extraBuildArgs: string[];
  private readonly onProgress: ((line: string) => void) | undefined;
  private factsMemo: Promise<ImageFacts> | undefined;
  private appMemo: Promise<RunningApp> | undefined;
  private starterMemo: Promise<BuiltVariant> | undefined;
  private readonly variants = new Map<string, Promise<BuiltVariant>>();
  private buildCount = 0;
  private readonly tempDirs: string[] = [];

  constructor(init: LabContextInit) {
    this.lesson = init.lesson;
    this.sessionId = init.sessionId;
    this.contextDir = init.contextDir;
    this.dockerfile = init.dockerfile;
    this.build = init.build;
    this.extraBuildArgs = init.extraBuildArgs;
    this.onProgress = init.onProgress;
  }

  get built(): boolean {
    return this.build.outcome === 'built';
  }

  /** Facts of the learner's image, layers included. */
  facts(): Promise<ImageFacts> {
    const search = [...new Set([...(this.lesson.search ?? []), ...this.lesson.goals.flatMap((g) => g.search ?? [])])];
    this.factsMemo ??= imageFacts(this.build.tag, { withLayers: true, search });
    return this.factsMemo;
  }

  /** The learner's image, started under limits and ready (rejects with ContainerStartError). */
  app(): Promise<RunningApp> {
    if (!this.lesson.run) return Promise.reject(new Error(`lesson ${this.lesson.slug} runs no container`));
    this.appMemo ??= startApp(this.build.tag, this.lesson.run, managedLabels(this.sessionId));
    return this.appMemo;
  }

  /** The lab's starter (from the course copy of the lab), built and read. */
  starter(): Promise<BuiltVariant> {
    this.starterMemo ??= (async () => {
      const dir = await makeWorkDir('starter');
      this.tempDirs.push(dir);
      await assembleContext(this.lesson, this.lesson.labDir, dir, 'all');
      const build = await this.buildIn(dir, 'starter');
      const facts = build.outcome === 'built' ? await imageFacts(build.tag, { withLayers: true }) : undefined;
      return { build, facts };
    })();
    return this.starterMemo;
  }

  /**
   * The learner's build context copied, edited by `edit`, and built again: how goals
   * see what the cache reuses. The learner's own files are never touched.
   */
  variant(key: string, edit: (contextDir: string) => Promise<void>): Promise<BuiltVariant> {
    let memo = this.variants.get(key);
    if (!memo) {
      memo = (async () => {
        const dir = await makeWorkDir(`variant-${key}`);
        this.tempDirs.push(dir);
        await cp(this.contextDir, dir, { recursive: true, verbatimSymlinks: true });
        await edit(dir);
        const build = await this.buildIn(dir, key);
        const facts = build.outcome === 'built' ? await imageFacts(build.tag) : undefined;
        return { build, facts };
      })();
      this.variants.set(key, memo);
    }
    return memo;
  }

  /** Builds a context with the same options as the learner's image. */
  buildIn(contextDir: string, name: string, overrides: Partial<BuildRequest> = {}): Promise<BuildResult> {
    this.buildCount++;
    this.onProgress?.(`building ${name}`);
    return buildImage({
      contextDir,
      tag: imageTag(this.lesson, this.sessionId, `${name}-${this.buildCount}`),
      target: this.lesson.target,
      buildArgs: this.lesson.buildArgs,
      labels: managedLabels(this.sessionId),
      extraArgs: this.extraBuildArgs,
      timeoutMs: this.lesson.buildTimeoutMs,
      ...overrides,
    });
  }

  async dispose(): Promise<void> {
    const app = await this.appMemo?.catch(() => undefined);
    await app?.remove();
    await Promise.all(this.tempDirs.map((d) => rm(d, { recursive: true, force: true })));
  }
}

/** Tags under one repository per lesson, unique per session, so cleanup is by label and tag. */
export function imageTag(lesson: Lesson, sessionId: string, name: string): string {
  return `stagecraft-check/${lesson.slug}:${sessionId}-${name}`.toLowerCase();
}

export function isStartError(e: unknown): e is ContainerStartError {
  return e instanceof ContainerStartError;
}

export const contextPath = (ctx: LabContext, rel: string): string => path.join(ctx.contextDir, rel);
