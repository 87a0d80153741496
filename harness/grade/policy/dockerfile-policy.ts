/**
 * What a student's Dockerfile may not ask of the grading machine. BuildKit would run each
 * of these on the teacher's engine: a frontend image from a registry (`# syntax=`), a step
 * with full privileges or the host's network or devices, the teacher's SSH agent, a URL
 * fetched from outside the course mirror. Each refusal names the line and says what to
 * change; everything the course teaches (cache, secret, bind and tmpfs mounts, multi-stage,
 * heredocs, ONBUILD) stays allowed.
 *
 * The Dockerfile is read with dockerfile-ast; where its reading could differ from BuildKit's
 * (quotes and backslashes inside flags, unusual spaces, bare carriage returns), the file is
 * refused rather than guessed at, so what is checked here is what BuildKit runs.
 */
import { DockerfileParser, type Add, type Flag, type Run } from 'dockerfile-ast';
import type { Refusal, RefusalCode } from '../intake/refusal.ts';
import { addInstructions, sourceOf, lastOption, mountOptions, runInstructions, type DockerfileText } from './instructions.ts';
import { findSyntaxDirective } from './syntax-directive.ts';

const ALLOWED_NETWORKS = new Set(['default', 'none']);
const ALLOWED_MOUNT_TYPES = new Set(['bind', 'cache', 'tmpfs', 'secret']);
/**
 * A flag as the grader can read it exactly as BuildKit does: a name, and a value with what
 * mount options, paths and `$VARS` need; no quotes, backslashes or spaces (BuildKit drops
 * quotes and escapes, so `--net"work"=host` is `--network=host` to it).
 */
const PLAIN_FLAG = /^--([A-Za-z][A-Za-z-]*)(?:=([A-Za-z0-9_./:=,@+%$~{}-]*))?$/;
/** Whitespace other than space, tab and line ends, and control characters: BuildKit splits flags at some of these, dockerfile-ast does not. */
const HIDDEN = /[^\S \t\r\n]|[\u0000-\u0008\u000e-\u001f\u007f-\u009f]/;

export function checkPolicy(text: string): Refusal[] {
  const refusals: Refusal[] = [];
  const add = (line: number, code: RefusalCode, what: string): void => {
    refusals.push({ code, line, message: `line ${line}: ${what}` });
  };

  const syntax = findSyntaxDirective(text);
  if (syntax) {
    add(syntax.line, 'syntax-directive', `the syntax directive (syntax=${syntax.value}) is not allowed: graded builds use the engine's own Dockerfile frontend, not one pulled from a registry. Delete the line; everything this course uses works without it.`);
  }
  const bareCr = /\r(?!\n)/.exec(text);
  if (bareCr) {
    add(lineOf(text, bareCr.index), 'hidden-characters', 'the line ends with a bare carriage return (an old Mac line ending), which BuildKit and the grader read differently. Save the Dockerfile with LF (or CRLF) line endings.');
  }

  const ast = DockerfileParser.parse(text);
  const source = sourceOf(text, ast);
  for (const run of runInstructions(ast)) checkRun(run, source, add);
  for (const instruction of addInstructions(ast)) checkAdd(instruction, add);
  return refusals.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

type Report = (line: number, code: RefusalCode, what: string) => void;

function checkRun(run: Run, source: DockerfileText, add: Report): void {
  const line = run.getRange().start.line + 1;
  const hidden = HIDDEN.exec(withoutHeredocBodies(run, source));
  if (hidden) {
    const code = hidden[0].codePointAt(0)?.toString(16).toUpperCase().padStart(4, '0') ?? '?';
    add(line, 'hidden-characters', `RUN contains an unusual space or control character (U+${code}), which BuildKit may read as a separator between flags. Replace it with an ordinary space.`);
  }
  for (const flag of run.getFlags()) checkRunFlag(flag, source, add);
}

function checkRunFlag(flag: Flag, source: DockerfileText, add: Report): void {
  const line = flag.getRange().start.line + 1;
  const plain = PLAIN_FLAG.exec(source.flag(flag).text);
  if (!plain) {
    add(line, 'flag-quoting', 'write RUN flags plainly, without quotes, backslashes or spaces inside them (e.g. --mount=type=cache,target=/root/.npm): the grader must read each flag exactly as BuildKit does.');
    return;
  }
  const name = plain[1] ?? '';
  const value = plain[2] ?? '';
  switch (name) {
    case 'network':
      if (!ALLOWED_NETWORKS.has(value)) add(line, 'network', `RUN --network=${value} is not allowed: a graded step may use only the default network or none. Remove the flag (or write --network=none).`);
      return;
    case 'security':
      if (value !== 'sandbox') add(line, 'insecure-run', `RUN --security=${value} is not allowed: it would run the step with full privileges on the grading machine. Remove the flag.`);
      return;
    case 'device':
      add(line, 'device', 'RUN --device is not allowed: a graded step may not use the grading machine\'s devices. Remove the flag.');
      return;
    case 'mount':
      checkMount(flag, source, line, add);
      return;
    default:
      add(line, 'unknown-flag', `RUN --${name} is not a flag graded builds accept (only --mount, --network=default|none and --security=sandbox). Remove it.`);
  }
}

function checkMount(flag: Flag, source: DockerfileText, line: number, add: Report): void {
  // BuildKit lower-cases option names and lets the last `type=` win; bind is the default.
  const type = (lastOption(mountOptions(source, flag), 'type')?.value ?? 'bind').toLowerCase();
  if (type.includes('$')) {
    add(line, 'mount-type', `write the mount type literally (type=cache, not type=${type}): the grader must see which kind of mount it is.`);
  } else if (type === 'ssh') {
    add(line, 'ssh-mount', 'RUN --mount=type=ssh is not allowed: graded builds have no SSH agent to lend. Remove the mount, and fetch what the step needs without SSH.');
  } else if (!ALLOWED_MOUNT_TYPES.has(type)) {
    add(line, 'mount-type', `RUN --mount=type=${type} is not a mount graded builds allow (bind, cache, tmpfs or secret). Use one of those.`);
  }
}

/** ADD fetches URLs and git repositories itself, past the course mirror; COPY never does. */
function checkAdd(instruction: Add, add: Report): void {
  const line = instruction.getRange().start.line + 1;
  const args = instruction.getArguments().map((a) => a.getValue());
  const remote = args.find((a) => /[a-z][a-z0-9+.-]*:\/\/|^[\["',\s]*git@/i.test(a));
  if (remote) {
    add(line, 'add-url', `ADD of a URL or git repository (${remote.replace(/^[\["']+|[\]"',]+$/g, '')}) is not allowed: graded builds reach only the course mirror. Put the file in the lab folder and COPY it (COPY <<EOF for an inline file).`);
    return;
  }
  // `ADD $SRC /app/` could expand to a URL; the destination may use variables freely.
  // Heredoc bodies are among the arguments too: a `$` there is refused as well (rare; COPY takes heredocs).
  const variable = args.slice(0, -1).find((a) => a.includes('$'));
  if (variable) {
    add(line, 'add-url', `ADD with a variable in its source (${variable}) is not allowed: it could name a URL. Write the path literally, or use COPY (COPY <<EOF for an inline file).`);
  }
}

/** The instruction's text without its heredoc bodies: a script may contain any character. */
function withoutHeredocBodies(run: Run, source: DockerfileText): string {
  const range = run.getRange();
  let out = '';
  let at = source.offsetOf(range.start);
  for (const doc of run.getHeredocs()) {
    const body = doc.getContentRange();
    if (!body) continue;
    out += source.text.slice(at, source.offsetOf(body.start));
    at = source.offsetOf(body.end);
  }
  return out + source.text.slice(at, source.offsetOf(range.end));
}

function lineOf(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}
