/**
 * Records a check of a learner's lab in the progress file. Only checks of the lab folder
 * itself count (not `--dir solutions/...`, not a subset of goals): the fingerprint and
 * whether the folder is the committed starter are taken when the check starts.
 */
import path from 'node:path';
import type { LabReport } from '../checks/check-lab.ts';
import type { Lesson } from '../course/lesson.ts';
import { repoRoot } from '../paths.ts';
import { labFingerprint } from './fingerprint.ts';
import { folderMatchesCommit } from './git.ts';
import { updateLab, type LabProgress } from './state.ts';

export interface CheckRecorder {
  /** Writes the report's verdict to the progress file; resolves to the lab's new record. */
  record(report: LabReport): LabProgress | undefined;
  fingerprint: string | undefined;
}

/** Call when a check starts; undefined when this check is not of the learner's lab. */
export async function startRecording(lesson: Lesson, dir: string, opts: { onlySomeGoals?: boolean } = {}): Promise<CheckRecorder | undefined> {
  if (opts.onlySomeGoals || path.resolve(dir) !== path.resolve(lesson.labDir)) return undefined;
  const [fingerprint, pristine] = await Promise.all([labFingerprint(dir), folderMatchesCommit(path.relative(repoRoot, lesson.labDir))]);
  return {
    fingerprint,
    record(report) {
      return recordVerdict(lesson.slug, report, fingerprint, pristine === true);
    },
  };
}

export function recordVerdict(slug: string, report: LabReport, fingerprint: string | undefined, isStarter: boolean): LabProgress {
  const at = new Date().toISOString();
  const met = report.verdicts.filter((v) => v.status === 'pass').length;
  const passed = report.verdicts.length > 0 && met === report.verdicts.length;
  return updateLab(slug, (lab) => {
    lab.last = {
      at, passed, goalsMet: met, goalsTotal: report.verdicts.length,
      failed: report.verdicts.filter((v) => v.status !== 'pass').map((v) => v.id),
      built: report.build.outcome === 'built',
      ...(report.image?.size !== undefined ? { imageSize: report.image.size } : {}),
      ...(fingerprint ? { fingerprint } : {}),
    };
    if (passed) {
      lab.firstPassedAt ??= at;
      lab.lastPassedAt = at;
    }
    if (isStarter && report.image?.size !== undefined) lab.starterSize = report.image.size;
  });
}
