/**
 * Lesson services: things a lab's build needs that the harness runs for the length of one
 * check (a private npm registry, say). Each is started before the first build and stopped
 * when the check ends; what it provides reaches every build of that check, so the starter,
 * the learner's image and every variant are built alike.
 */
import type { Lesson } from '../course/lesson.ts';
import { StagecraftError } from '../errors.ts';

/** What a running service gives the builds of a check. */
export interface ServiceProvision {
  /** Build secrets, id -> content: passed as `--secret id=ID,src=FILE` (a private temp file). */
  secrets?: Record<string, string>;
  /** `--build-arg NAME=value` for every build. */
  buildArgs?: Record<string, string>;
  /** More `docker buildx build` flags, e.g. `--add-host` so build steps reach the service. */
  extraArgs?: string[];
  /**
   * Secret values (tokens, passwords) that must end up nowhere in an image: searched for in
   * every layer's files, and what the secret goals (goals/secrets.ts) look for everywhere else.
   */
  search?: string[];
  /** Ports build steps reach on the host's bridge gateway (an isolated engine relays them in). */
  gatewayPorts?: number[];
}

export interface RunningService extends ServiceProvision {
  stop(): Promise<void>;
}

export interface ServiceContext {
  lesson: Lesson;
  sessionId: string;
  onProgress?: (line: string) => void;
}

export interface Service {
  /** Words for messages: "the private npm registry". */
  name: string;
  start(ctx: ServiceContext): Promise<RunningService>;
}

/** All of a check's services, their provisions merged (later services win on a clash). */
export interface StartedServices {
  provision: Required<ServiceProvision>;
  /** When the first service started: no secret value it made up existed before (ms since the epoch). */
  startedAt: number;
  stop(): Promise<void>;
}

const EMPTY: Required<ServiceProvision> = { secrets: {}, buildArgs: {}, extraArgs: [], search: [], gatewayPorts: [] };

export function mergeProvisions(list: ServiceProvision[]): Required<ServiceProvision> {
  return list.reduce<Required<ServiceProvision>>((acc, p) => ({
    secrets: { ...acc.secrets, ...p.secrets },
    buildArgs: { ...acc.buildArgs, ...p.buildArgs },
    extraArgs: [...acc.extraArgs, ...(p.extraArgs ?? [])],
    search: [...new Set([...acc.search, ...(p.search ?? [])])],
    gatewayPorts: [...acc.gatewayPorts, ...(p.gatewayPorts ?? [])],
  }), EMPTY);
}

/**
 * Starts the services in order. If one fails, those already started are stopped and the
 * check cannot go on: a StagecraftError saying which service and why.
 */
export async function startServices(services: Service[], ctx: ServiceContext): Promise<StartedServices> {
  const startedAt = Date.now();
  const running: RunningService[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(running.map((s) => s.stop().catch(() => undefined)));
  };
  for (const service of services) {
    ctx.onProgress?.(`starting ${service.name}`);
    try {
      running.push(await service.start(ctx));
    } catch (e) {
      await stop();
      if (e instanceof StagecraftError) throw e;
      throw new StagecraftError('service-failed', `The harness could not start ${service.name} that lesson ${ctx.lesson.number} needs: ${e instanceof Error ? e.message : String(e)}.`,
        'Run `npx stagecraft doctor`, then check again.');
    }
  }
  return { provision: mergeProvisions(running), startedAt, stop };
}
