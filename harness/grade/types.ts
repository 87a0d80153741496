/**
 * What grading produces, per student and lab: the one data shape every result format
 * (exercism, GitHub Classroom, JUnit, CSV, HTML) is written from.
 */
import type { VerdictStatus } from '../checks/goal.ts';

export interface GoalGrade {
  id: string;
  title: string;
  status: VerdictStatus;
  /** The goal's weight: what it is worth. */
  maxPoints: number;
  /** maxPoints when it passed, else 0: partial credit is per goal. */
  points: number;
  expected: string;
  measured: string;
  message?: string;
  durationMs: number;
}

/** One student's one lab. `error`: the lab could not be graded (see `reason`); it scores 0. */
export interface LabGrade {
  student: string;
  /** "02" */
  lesson: string;
  /** "02-layer-cache" */
  slug: string;
  title: string;
  status: VerdictStatus;
  /** Why it is `error` (or why the build failed): one line, for the teacher and the student. */
  reason?: string;
  points: number;
  maxPoints: number;
  goals: GoalGrade[];
  /** The image size in bytes, when an image was built. */
  imageBytes?: number;
  durationMs: number;
  /** ISO time the grade was written. */
  gradedAt: string;
  /** Which engine graded it (`isolated-0`, ...). */
  engine: string;
  /** Another student handed in exactly the same files: that check's grade, copied. */
  sameAs?: string;
}

/** A lesson as the gradebook lists it. */
export interface GradedLesson {
  lesson: string;
  slug: string;
  title: string;
  maxPoints: number;
}

/** A whole class: every student's every graded lab. */
export interface ClassGrades {
  lessons: GradedLesson[];
  students: string[];
  labs: LabGrade[];
}
