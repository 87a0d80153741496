import type { GoalGrade, LabGrade } from '../grade/types.ts';
import type { ExercismResults } from './exercism.ts';

type ExercismTest = ExercismResults['tests'][number];

function goalTest(g: GoalGrade, i: number): ExercismTest {
  return {
    name: g.title,
    status: g.status,
    ...(g.status === 'pass' ? {} : { message: [g.message, `expected ${g.expected}, measured ${g.measured}`].filter(Boolean).join('\n') }),
    // The v3 spec caps `output` at 500 characters.
    output: `expected: ${g.expected}\nmeasured: ${g.measured}`.slice(0, 500),
    test_code: `goal ${g.id}: ${g.expected}`,
    task_id: i + 1,
  };
}

/**
 * One graded lab as exercism's results.json v3. The lab's own status decides the top level
 * (a build that failed is `fail` even with no goals), and its reason rides along as `message`
 * so a lab with no tests still says why.
 */
export function labToExercism(lab: LabGrade): ExercismResults {
  return {
    version: 3,
    status: lab.status,
    // exercism expects a top-level message whenever status is `error`.
    ...(lab.status === 'error' ? { message: lab.reason ?? 'The lab could not be graded.' } : lab.status === 'fail' && lab.reason ? { message: lab.reason } : {}),
    tests: lab.goals.map(goalTest),
  };
}
