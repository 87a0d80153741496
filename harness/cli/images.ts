import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { StagecraftError, isStagecraftError } from '../errors.ts';
import { ensureImages, imageStatus, loadImages, saveImages } from '../images/ensure.ts';

const USAGE = `Usage: stagecraft images [options]

Makes every base image the course uses present in the local Docker engine: pulled when a
registry answers, otherwise built as a faithful stand-in from Debian packages.

Options:
  --only REF        only this image (repeatable), e.g. --only node:24-trixie-slim
  --rebuild         rebuild stand-ins even when present
  --refresh         with --rebuild: download and derive everything again (new security fixes)
  --status          list the images and whether they are present; change nothing
  --save FILE       write all the images (every platform) to FILE (.tar, or .tar.gz)
  --load FILE       load images saved with --save, and check they are complete
  -h, --help        this text`;

/** `stagecraft images`: returns the exit code (0 ok, 2 failure with a clear message). */
export async function imagesCommand(argv: string[]): Promise<number> {
  const out = (line: string): void => void process.stdout.write(`${line}\n`);
  // `stagecraft images --status | head` closes the pipe early: not an error
  process.stdout.once('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  const err = (line: string): void => void process.stderr.write(`${line}\n`);
  try {
    let values;
    try {
      ({ values } = parseArgs({
        args: argv,
        options: {
          only: { type: 'string', multiple: true },
          rebuild: { type: 'boolean', default: false },
          refresh: { type: 'boolean', default: false },
          status: { type: 'boolean', default: false },
          save: { type: 'string' },
          load: { type: 'string' },
          help: { type: 'boolean', short: 'h', default: false },
        },
        allowPositionals: false,
        strict: true,
      }));
    } catch (e) {
      throw new StagecraftError('usage', e instanceof Error ? e.message : String(e), USAGE);
    }
    if (values.help) {
      out(USAGE);
      return 0;
    }
    const modes = [values.status, values.save !== undefined, values.load !== undefined].filter(Boolean).length;
    if (modes > 1) throw new StagecraftError('usage', 'Use one of --status, --save and --load at a time.', USAGE);

    if (values.status) {
      for (const s of await imageStatus()) {
        const what = s.present ? (s.standin ? 'present (stand-in)' : 'present (upstream)') : 'missing';
        out(`${s.ref.padEnd(46)} ${what.padEnd(20)} ${s.platforms.join(', ')}`);
      }
      return 0;
    }
    if (values.save !== undefined) {
      const t0 = Date.now();
      const saved = await saveImages(values.save);
      for (const e of saved) out(`saved ${e.ref} [${e.platforms.join(', ')}]${e.standin ? ' (stand-in)' : ''}`);
      out(`wrote ${values.save} in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
      return 0;
    }
    if (values.load !== undefined) {
      const t0 = Date.now();
      const loaded = await loadImages(values.load);
      for (const e of loaded) out(`loaded ${e.ref} [${e.platforms.join(', ')}]${e.standin ? ' (stand-in)' : ''}`);
      out(`loaded ${values.load} in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
      return 0;
    }

    const results = await ensureImages({
      only: values.only,
      rebuild: values.rebuild || values.refresh,
      refresh: values.refresh,
      onProgress: out,
    });
    const failed = results.filter((r) => r.action === 'failed');
    for (const f of failed) {
      err(`error: ${f.ref}: ${f.error ?? 'failed'}`);
      if (f.fix) err(`  next: ${f.fix}`);
    }
    return failed.length ? 2 : 0;
  } catch (e) {
    if (isStagecraftError(e)) {
      err(`error: ${e.message}`);
      if (e.fix) err(e.kind === 'usage' ? `\n${e.fix}` : `  next: ${e.fix}`);
      return 2;
    }
    err(`error: ${e instanceof Error ? (process.env.STAGECRAFT_DEBUG ? e.stack : e.message) : String(e)}`);
    return 2;
  }
}

// `npx tsx harness/cli/images.ts ...` runs it directly (the lead wires `stagecraft images`).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await imagesCommand(process.argv.slice(2));
}
