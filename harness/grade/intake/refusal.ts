/**
 * Why a submission (or one lab of it) is not graded: a short code for the gradebook and a
 * message written for the student, saying what was wrong and what to change.
 */
export type RefusalCode =
  // intake: archives and files
  | 'archive-unsafe'
  | 'archive-unsupported'
  | 'too-large'
  | 'too-many-files'
  | 'symlink-outside'
  | 'not-a-regular-file'
  | 'missing-dockerfile'
  | 'binary-dockerfile'
  // policy: Dockerfile features graded builds may not use
  | 'syntax-directive'
  | 'insecure-run'
  | 'network'
  | 'device'
  | 'ssh-mount'
  | 'mount-type'
  | 'unknown-flag'
  | 'flag-quoting'
  | 'hidden-characters'
  | 'add-url';

export interface Refusal {
  code: RefusalCode;
  message: string;
  /** One-based Dockerfile line, for policy refusals. */
  line?: number;
}

/** A refusal as an exception, for the intake steps that stop at the first one. */
export class RefusalError extends Error {
  readonly refusal: Refusal;

  constructor(refusal: Refusal) {
    super(refusal.message);
    this.name = 'RefusalError';
    this.refusal = refusal;
  }
}

export function refuse(code: RefusalCode, message: string): never {
  throw new RefusalError({ code, message });
}

export function isRefusalError(e: unknown): e is RefusalError {
  return e instanceof RefusalError;
}
