import type { LabReport } from '../checks/check-lab.ts';

/** exercism's test-runner results.json, version 3. */
export interface ExercismResults {
  version: 3;
  status: 'pass' | 'fail' | 'error';
  message?: string;
  tests: {
    name: string;
    status: 'pass' | 'fail' | 'error';
    message?: string;
    output?: string;
    test_code: string;
    task_id?: number;
  }[];
}

export function toExercism(report: LabReport): ExercismResults {
  const tests = report.verdicts.map((v, i) => ({
    name: v.title,
    status: v.status,
    ...(v.status === 'pass' ? {} : { message: [v.message, `expected ${v.expected}, measured ${v.measured}`, `hint: ${v.hint}`].filter(Boolean).join('\n') }),
    output: `expected: ${v.expected}\nmeasured: ${v.measured}`.slice(0, 500),
    test_code: `goal ${v.id}: ${v.expected}`,
    task_id: i + 1,
  }));
  const status = tests.some((t) => t.status === 'error') ? 'error' : tests.every((t) => t.status === 'pass') ? 'pass' : 'fail';
  return { version: 3, status, tests };
}

/** The results.json for a lab that could not be checked at all. */
export function exercismError(message: string): ExercismResults {
  return { version: 3, status: 'error', message, tests: [] };
}
