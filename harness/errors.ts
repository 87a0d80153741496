/** Kinds of expected failure: each maps to a clear message and exit code 2 in the CLI. */
export type FailureKind =
  | 'engine-missing'
  | 'buildx-missing'
  | 'base-image-missing'
  | 'lab-missing'
  | 'lesson-unknown'
  | 'dockerfile-invalid'
  | 'mirror-failed'
  | 'service-failed'
  | 'images-failed'
  | 'limit-exceeded'
  | 'usage';

/**
 * An expected failure with a message written for the person at the keyboard and the
 * next thing they can do. The CLI prints these without a stack trace.
 */
export class StagecraftError extends Error {
  readonly kind: FailureKind;
  readonly fix: string | undefined;

  constructor(kind: FailureKind, message: string, fix?: string) {
    super(message);
    this.name = 'StagecraftError';
    this.kind = kind;
    this.fix = fix;
  }
}

export function isStagecraftError(e: unknown): e is StagecraftError {
  return e instanceof StagecraftError;
}
