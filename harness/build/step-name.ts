/**
 * What BuildKit's Dockerfile frontend writes in a step's name. In a multi-platform build it
 * prefixes each step with the platform the step RUNS on and, when that is not the platform
 * being built, `->` and the target:
 *
 *   [linux/amd64->arm64 build 5/5] RUN go build ...   runs on amd64, builds for arm64
 *   [linux/arm64 build 5/5] RUN go build ...          runs on arm64 (under QEMU on an x86 host)
 *   [build 5/5] RUN go build ...                      a single-platform build: no prefix
 *
 * (dockerfile2llb's prefixCommand and formatTargetPlatform.)
 */
export interface StepName {
  /** `linux/amd64`: where the step runs; undefined when the log gives no platform. */
  runsOn: string | undefined;
  /** `linux/arm64`: the platform being built; equals runsOn when the log has no `->`. */
  target: string | undefined;
  /** The stage name (`build`, `stage-1`), when the log gives one. */
  stage: string | undefined;
  /** The instruction as BuildKit shows it: `RUN go build -o /out/app .` */
  instruction: string;
}

/** OS names BuildKit may print after `->` when the target's OS differs (`->windows/amd64`). */
const OSES = new Set(['linux', 'windows', 'darwin', 'freebsd', 'netbsd', 'openbsd', 'solaris', 'illumos', 'aix', 'plan9', 'js', 'wasip1']);

/** Parses `[platform->target stage i/n] INSTRUCTION`; undefined for other steps (`[internal] ...`). */
export function parseStepName(name: string): StepName | undefined {
  const close = name.indexOf('] ');
  if (!name.startsWith('[') || close < 0) return undefined;
  const tokens = name.slice(1, close).split(/\s+/).filter(Boolean);
  const count = tokens.pop();
  // Dockerfile steps end in `i/n`; `[internal]`, `[auth]`, `[context x]` do not.
  if (!count || !/^\d+\/\d+$/.test(count)) return undefined;
  let runsOn: string | undefined;
  let target: string | undefined;
  const first = tokens[0];
  if (first?.includes('/')) {
    tokens.shift();
    const [on = '', to] = first.split('->');
    runsOn = on;
    target = to === undefined ? on : targetOf(on, to);
  }
  return { runsOn, target, stage: tokens[0], instruction: name.slice(close + 2) };
}

/** `->arm64` and `->arm/v7` keep the OS of `on`; `->windows/amd64` names a whole platform. */
function targetOf(on: string, to: string): string {
  const os = to.split('/')[0] ?? '';
  if (OSES.has(os)) return to;
  return `${on.split('/')[0] ?? 'linux'}/${to}`;
}
