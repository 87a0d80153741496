import { goal, type Goal, type GoalOptions } from '../goal.ts';
import { list } from '../format.ts';
import { isLintRule, type LintFinding, type LintRule } from '../../lint/rules.ts';

export interface LintCleanSpec extends GoalOptions {
  /** Docker build-check rules that must find nothing; default: all of them. */
  rules?: LintRule[];
}

/**
 * The Dockerfile passes Docker's build checks (all, or the named rules). The findings come
 * from dockerfile-ast and the base images' environment, never from matching text. A
 * `# check=skip=` directive hides a finding from Docker's output, not from this goal.
 */
export function lintClean(spec: LintCleanSpec = {}): Goal {
  const rules = spec.rules;
  const unknown = rules?.filter((r) => !isLintRule(r)) ?? [];
  if (unknown.length) throw new Error(`lintClean: unknown build-check rule(s) ${unknown.join(', ')}`);
  const which = rules?.length ? rules.join(', ') : "Docker's build checks";
  const expected = rules?.length ? `no findings of ${which}` : "no findings of Docker's build checks";
  return goal({
    id: 'lint-clean',
    title: rules?.length === 1 ? `The Dockerfile passes the ${which} build check` : rules?.length ? `The Dockerfile passes the build checks ${which}` : "The Dockerfile passes Docker's build checks",
    hint: 'Run `npx stagecraft lint` with this lesson\'s number: it lists every finding with its line and what the rule protects you from.',
    async check(ctx) {
      const findings = (await ctx.lint()).filter((f) => !rules?.length || rules.includes(f.rule));
      if (!findings.length) return { pass: true, expected, measured: 'no findings' };
      return { pass: false, expected, measured: measured(findings), message: message(findings) };
    },
  }, spec);
}

function measured(findings: LintFinding[]): string {
  return `${findings.length} finding${findings.length === 1 ? '' : 's'}: ${list(findings.map((f) => `${f.rule} (line ${f.line})`))}`;
}

function message(findings: LintFinding[]): string {
  const [first] = findings;
  if (!first) return '';
  const skipped = first.skipped ? ' A `# check=skip` directive hides it from `docker build`, not from this goal.' : '';
  const more = findings.length > 1 ? ` (and ${findings.length - 1} more)` : '';
  return `Dockerfile line ${first.line}, ${first.rule}: ${first.message}${more}${skipped}`;
}
