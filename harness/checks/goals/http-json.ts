import { goal, type Goal, type GoalOptions } from '../goal.ts';
import { RunningApp } from '../../run/container.ts';
import { startedApp } from './app-start.ts';

export interface HttpJsonSpec extends GoalOptions {
  path: string;
  /** A dotted path into the JSON body: `systemRoots`, `tls.roots`. */
  field: string;
  test: (value: unknown) => boolean;
  /** What the field should be, in words: "a number above 0". */
  describe: string;
  /** What the field means, for titles and messages: "trusted CA certificates". */
  what: string;
}

/** The value at a dotted path of a parsed JSON document; undefined when any step is missing. */
export function jsonField(doc: unknown, field: string): unknown {
  let cur: unknown = doc;
  for (const key of field.split('.')) {
    if (cur === null || typeof cur !== 'object' || !(key in cur)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/**
 * The running app reports, in a JSON answer, something only its behaviour can show (how
 * many CA certificates it loaded, which user it sees): measured by asking it over HTTP.
 */
export function httpJsonField(spec: HttpJsonSpec): Goal {
  const expected = `${spec.what} (\`${spec.field}\` of GET ${spec.path}): ${spec.describe}`;
  return goal({
    id: `http-${spec.field.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`,
    title: `The app reports ${spec.what}: ${spec.describe}`,
    hint: `Run the image and ask it yourself: \`curl -s localhost:PORT${spec.path}\`.`,
    async check(ctx) {
      const app = await startedApp(ctx, expected);
      if (!(app instanceof RunningApp)) return app;
      let body: string;
      let status: number;
      try {
        ({ body, status } = await app.http(spec.path));
      } catch (e) {
        return { pass: false, expected, measured: 'no answer', message: `The request failed: ${e instanceof Error ? e.message : String(e)}.` };
      }
      let doc: unknown;
      try {
        doc = JSON.parse(body);
      } catch {
        return { pass: false, expected, measured: `${status}, not JSON: ${JSON.stringify(body.slice(0, 80))}` };
      }
      const value = jsonField(doc, spec.field);
      return { pass: status === 200 && spec.test(value), expected,
        measured: value === undefined ? `${status}, no \`${spec.field}\` in the answer` : `${spec.field} = ${JSON.stringify(value)}` };
    },
  }, spec);
}
