/** Labels on everything the harness creates, so cleanup removes exactly that. */
export const MANAGED_LABEL = 'org.stagecraft.managed';
/** One harness process (a check, a test run) tags its objects with its session id. */
export const SESSION_LABEL = 'org.stagecraft.session';
/** Everything a grading run creates also carries its run id: the next run removes it, whatever happened. */
export const GRADE_LABEL = 'org.stagecraft.grade';
/** Stand-in base images built by `stagecraft images`: kept, never cleaned up. */
export const STANDIN_LABEL = 'org.stagecraft.standin';

export type Labels = Record<string, string>;

export function managedLabels(sessionId: string): Labels {
  return { [MANAGED_LABEL]: 'true', [SESSION_LABEL]: sessionId };
}

/** `--label k=v` pairs for the docker CLI. */
export function labelArgs(labels: Labels): string[] {
  return Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
}
