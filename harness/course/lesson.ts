import type { Goal } from '../checks/goal.ts';
import type { RunSpec } from '../run/container.ts';
import type { Service } from '../services/service.ts';

/** A file the harness adds to its copy of the build context (never to the learner's lab). */
export type PlantedFile = string | Buffer;

/** What a lesson's `lesson.ts` declares; its folder name gives its number and slug. */
export interface LessonDefinition {
  title: string;
  /** One sentence: what the learner will be able to do. */
  summary: string;
  /** Files in the lab the learner writes (taken from a submission); the rest is the app. */
  owns: string[];
  /** How to run the built image for behaviour goals; absent for images that serve nothing. */
  run?: RunSpec;
  target?: string;
  buildArgs?: Record<string, string>;
  /** Build for these platforms (an image index); default: the engine's own. */
  platforms?: string[];
  /** Build secrets the lesson's build is given: id -> file content, written to a temp file. */
  secrets?: Record<string, string>;
  buildTimeoutMs?: number;
  /** Files planted in the build-context copy, keyed by path relative to the context. */
  plant?: Record<string, PlantedFile>;
  /** Strings searched for in every layer's files (planted secrets, canaries). */
  search?: string[];
  /**
   * Started before the first build of a check and stopped when it ends (a private registry):
   * what they provide (secrets, build args, flags) reaches every build of the check.
   */
  services?: Service[];
  goals: Goal[];
  /** Shown one at a time, in order. */
  hints: string[];
  /** The ids of the goals the starter is meant to fail; the course proof holds it to this. */
  starterFails: string[];
}

export interface Lesson extends LessonDefinition {
  /** "02" */
  number: string;
  /** "02-layer-cache" */
  slug: string;
  lessonDir: string;
  labDir: string;
  solutionDir: string;
}

export function defineLesson(def: LessonDefinition): LessonDefinition {
  const ids = def.goals.map((g) => g.id);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup) throw new Error(`goal id "${dup}" is used twice`);
  const unknown = def.starterFails.find((id) => !ids.includes(id));
  if (unknown) throw new Error(`starterFails names "${unknown}", which is not a goal`);
  return def;
}
