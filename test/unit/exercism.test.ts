import { describe, expect, it } from 'vitest';
import { toExercism } from '../../harness/report/exercism.ts';
import type { LabReport } from '../../harness/checks/check-lab.ts';
import type { Verdict } from '../../harness/checks/goal.ts';

const verdict = (id: string, status: Verdict['status']): Verdict => ({ id, title: `goal ${id}`, status, expected: 'x', measured: 'y', message: status === 'pass' ? undefined : 'why', hint: 'do this', weight: 1, durationMs: 1 });
const report = (verdicts: Verdict[]): LabReport => ({
  lesson: { slug: '01-x', number: '01' } as LabReport['lesson'], dir: '.', verdicts, image: undefined, durationMs: 1,
  build: { outcome: 'built', reason: undefined, durationMs: 1, failedStepOutput: [] },
});

describe('exercism results.json v3', () => {
  it('passes when every goal passes', () => {
    const r = toExercism(report([verdict('a', 'pass'), verdict('b', 'pass')]));
    expect(r).toMatchObject({ version: 3, status: 'pass' });
    expect(r.tests.map((t) => [t.name, t.status, t.task_id])).toEqual([['goal a', 'pass', 1], ['goal b', 'pass', 2]]);
    expect(r.tests.every((t) => typeof t.test_code === 'string' && !('message' in t))).toBe(true);
  });

  it('fails with a message per failed goal, and errors win over failures', () => {
    expect(toExercism(report([verdict('a', 'pass'), verdict('b', 'fail')])).status).toBe('fail');
    expect(toExercism(report([verdict('a', 'fail')])).tests[0]?.message).toMatch(/why[\s\S]*hint: do this/);
    expect(toExercism(report([verdict('a', 'fail'), verdict('b', 'error')])).status).toBe('error');
  });
});
