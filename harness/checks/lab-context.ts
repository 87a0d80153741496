import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildImage, type BuildRequest, type BuildResult } from '../build/buildx.ts';
import { bakeDefinition, runBake, type BakeDefinition, type BakeResult } from '../build/bake.ts';
import { bakeSets, mirrorForBake, type BakeMirror } from '../mirror/bake-overrides.ts';
import { recordBuildDownloads, type RecordedRequest } from '../build/download-recorder.ts';
import type { ParsedDockerfile } from '../build/dockerfile.ts';
import type { BuildLog } from '../build/build-log.ts';
import { docker } from '../engine/docker.ts';
import { managedLabels } from '../engine/labels.ts';
import { imageFacts, type ImageFacts } from '../inspect/image-facts.ts';
import { readImageFile } from '../inspect/image-files.ts';
import { imagePlatforms, type PlatformVariant } from '../inspect/platforms.ts';
import { startApp, type RunningApp, type RunSpec } from '../run/container.ts';
import { assembleContext, makeWorkDir } from '../course/lab-files.ts';
import type { Lesson } from '../course/lesson.ts';
import type { ServiceProvision, StartedServices } from '../services/service.ts';
import { lintBuildContext } from '../lint/context.ts';
import type { LintFinding } from '../lint/rules.ts';
import type { Isolation } from '../sandbox/isolation.ts';

/** A build of the lab made for a goal: the starter, or an edited or re-targeted copy. */
export interface BuiltVariant {
  build: BuildResult;
  /** Config, history and diffIDs; layers only where the goal asked for them. */
  facts: ImageFacts | undefined;
  /** What the build's RUN steps fetched over HTTP, when the variant asked (`recordDownloads`). */
  downloads?: RecordedRequest[];
}

/** A `docker buildx bake` run of the learner's bake file (see LabContext.bake). */
export interface BakeOptions {
  /** Targets or groups; none builds the file's `default` group. */
  targets?: string[];
  /** Edits a copy of the build context first (the learner's files are untouched). */
  edit?: (contextDir: string) => Promise<void>;
  /** Bake variables (environment variables of the run). */
  vars?: Record<string, string>;
  /** More `--set` overrides, after the harness's own. */
  set?: string[];
  /** Targets whose image is loaded into the engine, tagged for this check; the others export nothing. */
  load?: string[];
  /** Another engine to build on (a fresh builder's DOCKER_HOST). */
  dockerHost?: string;
  /** Named contexts replacing the mirror's (the same base images from elsewhere). */
  contexts?: Record<string, string>;
}

export interface BakeRun {
  result: BakeResult;
  /** What bake resolved for these targets and variables (`--print`). */
  definition: BakeDefinition;
  /** Target -> this check's tag, for loaded targets that built. */
  images: Record<string, string>;
  /** The named contexts the run used (base image -> its mirror-ready copy). */
  contexts: Record<string, string>;
}

/** What a goal may change about a build: its target, secrets, args, cache. */
export type BuildOverrides = Partial<Pick<BuildRequest, 'target' | 'buildArgs' | 'platforms' | 'noCache' | 'cacheFrom' | 'cacheTo' | 'secrets' | 'timeoutMs'>>
  /** Send the variant's RUN steps through a recording proxy (see build/download-recorder.ts). */
  & { recordDownloads?: boolean };

export interface LabContextInit {
  lesson: Lesson;
  sessionId: string;
  contextDir: string;
  dockerfile: ParsedDockerfile;
  /** Extra buildx flags (the package mirror), used for every build of this check. */
  extraBuildArgs: string[];
  /** What the lesson's running services give every build: secrets, args, flags, secret values. */
  services?: Pick<StartedServices, 'provision' | 'startedAt'>;
  onProgress?: (line: string) => void;
  signal?: AbortSignal;
  /** Untrusted code (grading): builds on an isolated engine, containers on an internal network, limits. */
  isolation?: Isolation;
}

/**
 * What goals measure, computed lazily and once: the image facts, the running container,
 * the starter's image, rebuilds after edits. Goals never build or start things themselves,
 * and every build here uses the lesson's options, so they compare like with like.
 */
export class LabContext {
  readonly lesson: Lesson;
  readonly sessionId: string;
  readonly contextDir: string;
  readonly dockerfile: ParsedDockerfile;
  private mainBuild: BuildResult | undefined;
  private readonly extraBuildArgs: string[];
  private readonly services: Pick<StartedServices, 'provision' | 'startedAt'> | undefined;
  private readonly provision: ServiceProvision;
  /** Values the services marked secret (tokens): searched in every layer; see goals/secrets.ts. */
  readonly secretValues: string[];
  private readonly onProgress: ((line: string) => void) | undefined;
  private readonly signal: AbortSignal | undefined;
  readonly isolation: Isolation | undefined;
  private factsMemo: Promise<ImageFacts> | undefined;
  private platformsMemo: Promise<PlatformVariant[]> | undefined;
  private lintMemo: Promise<LintFinding[]> | undefined;
  private starterMemo: Promise<BuiltVariant> | undefined;
  private secretsMemo: Promise<BuildRequest['secrets']> | undefined;
  private readonly apps = new Map<string, Promise<RunningApp>>();
  private readonly variants = new Map<string, Promise<BuiltVariant>>();
  private readonly files = new Map<string, Promise<Buffer | undefined>>();
  private buildCount = 0;
  private readonly tempDirs: string[] = [];
  private readonly releases: Promise<unknown>[] = [];
  /** Set by `keepVariantImages`: variant images stay until the session's cleanup. */
  private variantImagesKept = false;
  private readonly stepsRun = settleOnce<boolean>();
  private readonly targets = new Map<string, Promise<LabContext>>();
  private readonly bakes = new Map<string, Promise<BakeRun>>();
  private bakeMirrorMemo: Promise<BakeMirror> | undefined;
  private readonly resources = new Map<string, { value: Promise<unknown>; dispose: ((value: unknown) => Promise<void>) | undefined }>();
  /** Set on a context made by `forTarget`: it shares the parent's starter. */
  private parent: LabContext | undefined;
  private namePrefix = '';

  constructor(init: LabContextInit) {
    this.lesson = init.lesson;
    this.sessionId = init.sessionId;
    this.contextDir = init.contextDir;
    this.dockerfile = init.dockerfile;
    this.extraBuildArgs = init.extraBuildArgs;
    this.services = init.services;
    this.provision = init.services?.provision ?? {};
    this.secretValues = [...(this.provision.search ?? [])];
    this.onProgress = init.onProgress;
    this.signal = init.signal;
    this.isolation = init.isolation;
  }

  /** Builds the learner's image; goals read it through `build`. */
  async buildMain(onLine?: (line: string, log: BuildLog) => void): Promise<BuildResult> {
    try {
      this.mainBuild = await this.buildIn(this.contextDir, 'main', {
        onLine: (line, log) => {
          if (/^#\d+ exporting to /.test(line)) this.stepsRun.resolve(true);
          onLine?.(line, log);
        },
      });
    } finally {
      this.stepsRun.resolve(this.mainBuild?.outcome === 'built');
    }
    return this.mainBuild;
  }

  /**
   * Resolves once the main build has run its steps and is writing its image (true), or has
   * ended without one (false): when work that would compete with those steps (a rebuild
   * that makes layers of its own) can start without slowing them.
   */
  mainStepsDone(): Promise<boolean> {
    return this.stepsRun.promise;
  }

  get build(): BuildResult {
    if (!this.mainBuild) throw new Error('the lab has not been built yet');
    return this.mainBuild;
  }

  get built(): boolean {
    return this.build.outcome === 'built';
  }

  get labels(): Record<string, string> {
    return { ...managedLabels(this.sessionId), ...this.isolation?.labels };
  }

  /** Facts of the learner's image, layers included. */
  facts(): Promise<ImageFacts> {
    const search = [...new Set([...(this.lesson.search ?? []), ...this.lesson.goals.flatMap((g) => g.search ?? []), ...this.secretValues])];
    // The services' secret values are new: layers read before the services started cannot hold them.
    const fresh = this.services ? { needles: this.secretValues, since: this.services.startedAt } : undefined;
    this.factsMemo ??= imageFacts(this.build.tag, { withLayers: true, search, fresh });
    return this.factsMemo;
  }

  /** Docker's build checks on the learner's Dockerfile and .dockerignore (see harness/lint). */
  lint(): Promise<LintFinding[]> {
    this.lintMemo ??= lintBuildContext(this.contextDir, this.dockerfile.baseImages);
    return this.lintMemo;
  }

  /** Each platform of a multi-platform image, with its own layers. */
  platforms(): Promise<PlatformVariant[]> {
    this.platformsMemo ??= imagePlatforms(this.build.tag);
    return this.platformsMemo;
  }

  /** A file of the image's final filesystem (for one platform), read without running it. */
  readFile(filePath: string, platform?: string): Promise<Buffer | undefined> {
    const key = `${platform ?? ''}:${filePath}`;
    let memo = this.files.get(key);
    if (!memo) {
      memo = readImageFile(this.build.tag, filePath, this.labels, platform);
      this.files.set(key, memo);
    }
    return memo;
  }

  /** The learner's image, started under limits and ready (rejects with ContainerStartError). */
  app(): Promise<RunningApp> {
    if (!this.lesson.run) return Promise.reject(new Error(`lesson ${this.lesson.slug} runs no container`));
    return this.run('main', this.lesson.run);
  }

  /** Another container of the learner's image (or a variant's), e.g. the arm64 one. */
  run(key: string, spec: RunSpec, image = this.build.tag): Promise<RunningApp> {
    let memo = this.apps.get(key);
    if (!memo) {
      const limits = this.isolation?.limits;
      memo = startApp(image, limits ? {
        ...spec, network: this.isolation?.network, memoryMb: Math.min(spec.memoryMb ?? limits.memoryMb, limits.memoryMb), cpus: Math.min(spec.cpus ?? limits.cpus, limits.cpus),
        pids: Math.min(spec.pids ?? limits.pids, limits.pids), startupTimeoutMs: Math.min(spec.startupTimeoutMs ?? limits.startupTimeoutMs, limits.startupTimeoutMs),
      } : spec, this.labels);
      this.apps.set(key, memo);
    }
    return memo;
  }

  /** The lab's starter (from the course copy of the lab), built and read. */
  starter(): Promise<BuiltVariant> {
    if (this.parent) return this.parent.starter();
    this.starterMemo ??= (async () => {
      const dir = await this.tempDir('starter');
      await assembleContext(this.lesson, this.lesson.labDir, dir, 'all');
      const build = await this.buildIn(dir, 'starter');
      const facts = build.outcome === 'built' ? await imageFacts(build.tag, { withLayers: true }) : undefined;
      return { build, facts };
    })();
    return this.starterMemo;
  }

  /**
   * The learner's build context copied, edited by `edit`, and built again (with optional
   * overrides): how goals see what the cache reuses or what a target does. The learner's
   * own files are never touched.
   */
  variant(key: string, edit: (contextDir: string) => Promise<void>, overrides: BuildOverrides = {}, withLayers = false): Promise<BuiltVariant> {
    let memo = this.variants.get(key);
    if (!memo) {
      memo = (async () => {
        const dir = await this.tempDir(`variant-${key}`);
        await cp(this.contextDir, dir, { recursive: true, verbatimSymlinks: true });
        await edit(dir);
        const { recordDownloads, ...buildOverrides } = overrides;
        if (recordDownloads) {
          const defaults = { ...this.lesson.buildArgs, ...this.provision.buildArgs, ...buildOverrides.buildArgs };
          const { result: build, downloads } = await recordBuildDownloads([...this.extraBuildArgs, ...(this.provision.extraArgs ?? [])],
            (proxyArgs) => this.buildIn(dir, key, { ...buildOverrides, buildArgs: { ...defaults, ...proxyArgs } }), this.isolation?.recordVia);
          const facts = build.outcome === 'built' ? await imageFacts(build.tag, { withLayers }) : undefined;
          this.release(build);
          return { build, facts, downloads };
        }
        const build = await this.buildIn(dir, key, buildOverrides);
        const facts = build.outcome === 'built' ? await imageFacts(build.tag, { withLayers }) : undefined;
        this.release(build);
        return { build, facts };
      })();
      this.variants.set(key, memo);
    }
    return memo;
  }

  /**
   * The lab built again with `--target target`: another final image of the same Dockerfile
   * (one service of a compose file), as a context of its own, so every goal can measure it.
   * It shares the build context, flags and starter; its builds are tagged with the target.
   */
  forTarget(target: string, run?: RunSpec): Promise<LabContext> {
    let memo = this.targets.get(target);
    if (!memo) {
      memo = (async () => {
        const child = new LabContext({
          lesson: { ...this.lesson, target, run: run ?? this.lesson.run }, sessionId: this.sessionId, contextDir: this.contextDir,
          dockerfile: this.dockerfile, extraBuildArgs: this.extraBuildArgs, services: this.services, onProgress: this.onProgress, signal: this.signal, isolation: this.isolation,
        });
        child.parent = this;
        child.variantImagesKept = this.variantImagesKept;
        child.namePrefix = `${target}-`;
        child.mainBuild = await child.buildIn(this.contextDir, 'main');
        return child;
      })();
      this.targets.set(target, memo);
    }
    return memo;
  }

  /**
   * A resource several goals use (a compose project, a helper server): made once per check,
   * on first use, and disposed (before containers and images go) when the check ends.
   */
  shared<T>(key: string, make: () => Promise<T>, dispose?: (value: T) => Promise<void>): Promise<T> {
    const found = this.resources.get(key);
    if (found) return found.value as Promise<T>;
    const value = make();
    this.resources.set(key, { value, dispose: dispose as ((value: unknown) => Promise<void>) | undefined });
    return value;
  }

  /**
   * `docker buildx bake` on the learner's bake file, really run, once per key: in the build
   * context (or a copy edited by `opts.edit`), with this check's flags as overrides (the
   * mirror's base images and labels, the lesson's args and secrets, this check's labels).
   */
  bake(key: string, opts: BakeOptions = {}): Promise<BakeRun> {
    let memo = this.bakes.get(key);
    if (!memo) {
      memo = (async () => {
        let dir = this.contextDir;
        if (opts.edit) {
          dir = await this.tempDir(`bake-${key}`);
          await cp(this.contextDir, dir, { recursive: true, verbatimSymlinks: true });
          await opts.edit(dir);
        }
        this.bakeMirrorMemo ??= mirrorForBake([...this.extraBuildArgs, ...(this.provision.extraArgs ?? [])]);
        const mirror = await this.bakeMirrorMemo;
        const contexts = opts.contexts ?? mirror.contexts;
        const definition = await bakeDefinition({ cwd: dir, targets: opts.targets, vars: opts.vars });
        const images: Record<string, string> = {};
        const outputs = Object.keys(definition.target).flatMap((t) => {
          if (!opts.load?.includes(t)) return [`${t}.output=type=cacheonly`];
          images[t] = imageTag(this.lesson, this.sessionId, `${this.namePrefix}bake-${key}-${t}`);
          return [`${t}.output=type=docker`, `${t}.tags=${images[t]}`];
        });
        const secrets = await this.secrets();
        const set = [
          ...bakeSets({ contexts, labels: { ...mirror.labels, ...this.labels } }),
          ...Object.entries({ ...this.isolation?.buildArgs, ...this.lesson.buildArgs, ...this.provision.buildArgs }).map(([k, v]) => `*.args.${k}=${v}`),
          ...(secrets ?? []).map((s) => `*.secrets=id=${s.id},src=${s.src}`),
          ...outputs,
          ...(opts.set ?? []),
        ];
        this.onProgress?.(`baking ${key}`);
        const result = await runBake({ cwd: dir, targets: opts.targets, vars: opts.vars, set, dockerHost: opts.dockerHost ?? this.isolation?.dockerHost, timeoutMs: this.isolation?.limits.buildTimeoutMs ?? this.lesson.buildTimeoutMs, signal: this.signal });
        for (const t of Object.keys(images)) if (result.outcome !== 'built' || !result.metadata[t]) delete images[t];
        return { result, definition, images, contexts };
      })();
      this.bakes.set(key, memo);
    }
    return memo;
  }

  /**
   * A variant's image is only read (its facts are kept), so it is removed as soon as it has
   * been read: the removal overlaps the rest of the check instead of adding to its end.
   */
  private release(build: BuildResult): void {
    if (build.outcome !== 'built' || this.variantImagesKept) return;
    this.releases.push(docker().getImage(build.tag).remove({ force: true }).catch(() => undefined));
  }

  /**
   * Leaves variant images to the session's cleanup (which removes everything carrying its
   * label) instead of removing each as soon as it is read: where the verdict is shown before
   * the cleanup (watch mode), removing them (the engine deletes their unpacked layers) would
   * compete with the goals still measuring, and a caller that holds the cleanup back keeps
   * their layers unpacked for its next check's rebuilds (see BuildLabOptions.holdImages).
   */
  keepVariantImages(): void {
    this.variantImagesKept = true;
  }

  /** Builds a context with the lesson's options (target, args, secrets, platforms). */
  async buildIn(contextDir: string, name: string, overrides: BuildOverrides & Pick<BuildRequest, 'onLine'> = {}): Promise<BuildResult> {
    this.buildCount++;
    this.onProgress?.(`building ${name}`);
    return buildImage({
      contextDir,
      tag: imageTag(this.lesson, this.sessionId, `${this.namePrefix}${name}-${this.buildCount}`),
      target: this.lesson.target,
      buildArgs: { ...this.isolation?.buildArgs, ...this.lesson.buildArgs, ...this.provision.buildArgs },
      platforms: this.lesson.platforms,
      secrets: await this.secrets(),
      labels: this.labels,
      extraArgs: [...this.extraBuildArgs, ...(this.provision.extraArgs ?? [])],
      timeoutMs: this.isolation ? Math.min(this.lesson.buildTimeoutMs ?? Infinity, this.isolation.limits.buildTimeoutMs) : this.lesson.buildTimeoutMs,
      signal: this.signal,
      ...overrides,
      ...(this.isolation ? { dockerHost: this.isolation.dockerHost, logBytes: this.isolation.limits.logBytes } : {}),
    });
  }

  /** The lesson's and its services' secrets as files in a private temp dir, as `--secret id=...,src=...` wants. */
  private secrets(): Promise<BuildRequest['secrets']> {
    this.secretsMemo ??= (async () => {
      const entries = Object.entries({ ...this.lesson.secrets, ...this.provision.secrets });
      if (!entries.length) return undefined;
      const dir = await mkdtemp(path.join(os.tmpdir(), 'stagecraft-secrets-'));
      this.tempDirs.push(dir);
      return Promise.all(entries.map(async ([id, value]) => {
        const src = path.join(dir, id);
        await writeFile(src, value, { mode: 0o600 });
        return { id, src };
      }));
    })();
    return this.secretsMemo;
  }

  private async tempDir(name: string): Promise<string> {
    const dir = await makeWorkDir(name);
    this.tempDirs.push(dir);
    return dir;
  }

  async dispose(): Promise<void> {
    // Builds still running (a check cancelled by a new save in watch mode) finish first, so
    // nothing they make appears after the cleanup.
    await Promise.allSettled([...this.variants.values(), ...(this.starterMemo ? [this.starterMemo] : [])]);
    await Promise.all([...this.resources.values()].map(async (r) => {
      const value = await r.value.catch(() => undefined);
      if (value !== undefined) await r.dispose?.(value).catch(() => undefined);
    }));
    const targets = await Promise.all([...this.targets.values()].map((t) => t.catch(() => undefined)));
    await Promise.all(targets.map((t) => t?.dispose()));
    const apps = await Promise.all([...this.apps.values()].map((a) => a.catch(() => undefined)));
    await Promise.all([
      ...apps.map((a) => a?.remove()),
      ...this.tempDirs.map((d) => rm(d, { recursive: true, force: true })),
      ...this.releases,
    ]);
  }
}

/** A promise and the function that settles it; calls after the first change nothing. */
function settleOnce<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => { resolve = r; });
  return { promise, resolve };
}

/** Tags under one repository per lesson, unique per session, so cleanup is by label and tag. */
export function imageTag(lesson: Lesson, sessionId: string, name: string): string {
  return `stagecraft-check/${lesson.slug}:${sessionId}-${name}`.toLowerCase();
}

