/** Docker's build checks, run by the harness on dockerfile-ast (buildx 0.13 has no `--check`). */
export { lintDockerfile, type LintOptions, type BaseImageInfo } from './lint.ts';
export { lintBuildContext } from './context.ts';
export { LINT_RULES, RULE_NAMES, isLintRule, type LintRule, type LintFinding } from './rules.ts';
export type { LintFinding as Finding } from './rules.ts';
