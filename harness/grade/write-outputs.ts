/**
 * Every result format, written from the grades saved under `out` (so a resumed run, or a
 * merge of shards, writes exactly what one uninterrupted run would):
 *   gradebook.csv, goals.csv, junit.xml, report.html           the class
 *   students/<id>/classroom.json, classroom.b64                 GitHub Classroom, per student
 *   students/<id>/<slug>/results.json                           exercism v3, per lab
 */
import path from 'node:path';
import type { Lesson } from '../course/lesson.ts';
import { encodeClassroom, studentToClassroom } from '../report/classroom.ts';
import { labToExercism } from '../report/grade-exercism.ts';
import { toGoalsCsv, toGradebookCsv } from '../report/gradebook-csv.ts';
import { toGradeHtml } from '../report/grade-html.ts';
import { toJUnit } from '../report/junit.ts';
import { loadGrades, writeAtomic } from './results-store.ts';
import type { ClassGrades, GradedLesson, LabGrade } from './types.ts';

export function gradedLesson(l: Lesson): GradedLesson {
  return { lesson: l.number, slug: l.slug, title: l.title, maxPoints: l.goals.reduce((n, g) => n + g.weight, 0) };
}

export function classGrades(labs: LabGrade[], lessons: GradedLesson[], students: string[] = []): ClassGrades {
  const known = new Map(lessons.map((l) => [l.lesson, l]));
  // Lessons graded in another run (a shard with other --lessons) still get their column.
  for (const lab of labs) if (!known.has(lab.lesson)) known.set(lab.lesson, { lesson: lab.lesson, slug: lab.slug, title: lab.title, maxPoints: lab.maxPoints });
  const sorted = [...labs].sort((a, b) => a.student.localeCompare(b.student) || a.lesson.localeCompare(b.lesson));
  return {
    lessons: [...known.values()].sort((a, b) => a.lesson.localeCompare(b.lesson)),
    students: [...new Set([...students, ...labs.map((l) => l.student)])].sort(),
    labs: sorted,
  };
}

export interface Written {
  files: string[];
  grades: ClassGrades;
}

export async function writeOutputs(out: string, lessons: GradedLesson[], students: string[] = []): Promise<Written> {
  const grades = classGrades(await loadGrades(out), lessons, students);
  const files: [string, string][] = [
    ['gradebook.csv', toGradebookCsv(grades)],
    ['goals.csv', toGoalsCsv(grades)],
    ['junit.xml', toJUnit(grades)],
    ['report.html', toGradeHtml(grades, { title: 'Stagecraft grades' })],
  ];
  for (const student of grades.students) {
    const labs = grades.labs.filter((l) => l.student === student);
    const classroom = studentToClassroom(labs);
    files.push([path.join('students', student, 'classroom.json'), `${JSON.stringify(classroom, null, 2)}\n`]);
    files.push([path.join('students', student, 'classroom.b64'), `${encodeClassroom(classroom)}\n`]);
    for (const lab of labs) files.push([path.join('students', student, lab.slug, 'results.json'), `${JSON.stringify(labToExercism(lab), null, 2)}\n`]);
  }
  await Promise.all(files.map(([rel, text]) => writeAtomic(path.join(out, rel), text)));
  return { files: files.map(([rel]) => rel), grades };
}
