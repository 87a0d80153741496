import { courseStatus } from '../learn/course.ts';
import { doneCount, nextLine, renderCourseList } from '../learn/list-view.ts';

/** `stagecraft list`: every lab with its status, how many are done, and what is next. Exit 0. */
export async function listCommand(): Promise<number> {
  const labs = await courseStatus();
  console.log(['', ...renderCourseList(labs), '', nextLine(labs)].join('\n'));
  const { done, total } = doneCount(labs);
  if (done < total && labs.some((l) => l.state === 'changed')) console.log('Labs marked ~ changed since they passed: `npx stagecraft check --all` checks every lab again.');
  return 0;
}
