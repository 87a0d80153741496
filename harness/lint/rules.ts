/**
 * Docker's build checks (BuildKit's Dockerfile linter), by the names Docker gives them.
 * buildx 0.13 has no `--check`, so the harness runs the same rules itself on dockerfile-ast.
 * The descriptions say why each rule exists, in the course's words.
 */
export const LINT_RULES = {
  FromAsCasing: 'The `AS` of a FROM line should be written in the same case as its `FROM`.',
  StageNameCasing: 'Stage names should be lowercase: BuildKit lowercases them anyway.',
  JSONArgsRecommended: 'A shell-form CMD or ENTRYPOINT runs under /bin/sh, which does not pass signals such as SIGTERM on to your program.',
  SecretsUsedInArgOrEnv: 'ARG and ENV values are kept in the image config and its history: use a build secret (`RUN --mount=type=secret`).',
  UndefinedVar: 'A variable is used before any ARG or ENV (or the base image) defines it, so it expands to nothing.',
  WorkdirRelativePath: 'A relative WORKDIR depends on the base image\'s working directory, which can change under you.',
  UndefinedArgInFrom: 'A FROM line uses a variable that no ARG before the first FROM declares.',
  MaintainerDeprecated: 'MAINTAINER is deprecated: use `LABEL org.opencontainers.image.authors=...`.',
  ConsistentInstructionCasing: 'Instructions should all be written in the same case (upper or lower).',
  DuplicateStageName: 'Two stages with the same name: `--target` and `COPY --from` can only mean one of them.',
  ReservedStageName: '`scratch` and `context` are reserved words and cannot name a stage usefully.',
  MultipleInstructionsDisallowed: 'Only the last CMD, ENTRYPOINT or HEALTHCHECK of a stage counts; earlier ones are ignored.',
  LegacyKeyValueFormat: '`ENV key value` (and LABEL) without `=` is a legacy form: write `key=value`.',
  NoEmptyContinuation: 'An empty line inside a `\\`-continued instruction is deprecated and will become an error.',
  InvalidDefaultArgInFrom: 'With the ARG defaults alone (no --build-arg), a FROM line names no valid image.',
  FromPlatformFlagConstDisallowed: 'A constant `FROM --platform` pins the stage to one platform and breaks multi-platform builds.',
  CopyIgnoredFile: 'COPY or ADD names a file that .dockerignore keeps out of the build context.',
  RedundantTargetPlatform: '`FROM --platform=$TARGETPLATFORM` is the default already.',
} as const;

export type LintRule = keyof typeof LINT_RULES;

export const RULE_NAMES = Object.keys(LINT_RULES) as LintRule[];

export function isLintRule(name: string): name is LintRule {
  return Object.hasOwn(LINT_RULES, name);
}

/** One problem the linter found. */
export interface LintFinding {
  rule: LintRule;
  /** One-based line in the Dockerfile. */
  line: number;
  message: string;
  /**
   * Suppressed by a `# check=skip=...` directive: Docker would not print it. The harness
   * still reports it, and goals still count it.
   */
  skipped?: boolean;
}
