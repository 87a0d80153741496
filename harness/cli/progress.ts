/**
 * One status line on stderr that rewrites itself on a terminal; elsewhere (CI logs,
 * pipes) each distinct line is printed once, so logs stay readable.
 */
export function progressLine(stream: NodeJS.WriteStream = process.stderr): { update: (line: string) => void; done: () => void } {
  const tty = stream.isTTY === true;
  let last = '';
  const started = performance.now();
  return {
    update(line: string) {
      if (line === last) return;
      last = line;
      const text = `[${((performance.now() - started) / 1000).toFixed(1)}s] ${line}`;
      if (tty) stream.write(`\r\u001b[2K${text.slice(0, (stream.columns || 80) - 1)}`);
      else if (process.env.STAGECRAFT_VERBOSE) stream.write(`${text}\n`);
    },
    done() {
      if (tty && last) stream.write('\r\u001b[2K');
    },
  };
}

/**
 * Ctrl-C cancels the running work (so it can clean up what it created); a second Ctrl-C
 * quits at once. Call `release` when the work is over.
 */
export function cancelOnSigint(): { signal: AbortSignal; release: () => void } {
  const abort = new AbortController();
  const onSigint = (): void => {
    if (abort.signal.aborted) process.exit(130);
    process.stderr.write('\nCancelling: cleaning up (Ctrl-C again to quit now)...\n');
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  return { signal: abort.signal, release: () => { process.off('SIGINT', onSigint); } };
}
