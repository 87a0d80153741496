import { courseStatus } from '../learn/course.ts';
import { nextLine } from '../learn/list-view.ts';

/** `stagecraft next`: the first unfinished lab and how to start it. Exit 0. */
export async function nextCommand(): Promise<number> {
  console.log(nextLine(await courseStatus()));
  return 0;
}
