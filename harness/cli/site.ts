import { parseArgs } from 'node:util';
import path from 'node:path';
import { StagecraftError } from '../errors.ts';
import { buildSite, defaultSiteDir, renderProgressPage } from '../site/build-site.ts';
import { serveSite } from '../site/serve.ts';
import { dim, green, yellow } from '../report/terminal.ts';

/** `stagecraft site [--out DIR] [--serve] [--port N]`: build the course site, and serve it on loopback. */
export async function siteCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { out: { type: 'string' }, serve: { type: 'boolean', default: false }, port: { type: 'string' } } });
  const outDir = path.resolve(values.out ?? defaultSiteDir());
  const site = await buildSite({ outDir });
  const shown = path.relative(process.cwd(), outDir);
  console.log(`${green('Built the course site')}: ${site.pages.length} pages in ${shown.startsWith('..') ? outDir : shown || '.'}/ ${dim(`(open ${path.join(outDir, 'index.html')})`)}`);
  for (const b of site.broken) console.log(yellow(`  broken link in ${b.page}: ${b.href}`));
  if (!values.serve) return site.broken.length ? 1 : 0;

  const port = values.port === undefined ? 4173 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new StagecraftError('usage', `--port ${values.port ?? ''} is not a port number.`, 'Use a number such as 4173, or 0 for any free port.');
  const live = { '/progress.html': () => renderProgressPage() };
  const running = await serveSite({ root: outDir, port, live }).catch((e: unknown) => {
    // The usual port is taken (another site server): any free one will do.
    if (values.port === undefined && (e as NodeJS.ErrnoException).code === 'EADDRINUSE') return serveSite({ root: outDir, port: 0, live });
    throw e;
  });
  console.log(`Serving the course at ${green(running.url)} (only on this machine). Ctrl-C stops it.`);
  await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  await running.close();
  return 0;
}
