import { StagecraftError } from '../errors.ts';
import { ensureMirror, mirrorStatus, stopMirror } from '../mirror/index.ts';
import { upstreamRegistry } from '../mirror/upstream.ts';
import { warmMirror } from '../mirror/warm.ts';
import { dim, green, red, yellow } from '../report/terminal.ts';

const USAGE = `Usage:
  npx stagecraft mirror start          start the local npm mirror (checks also start it when needed)
  npx stagecraft mirror stop           stop it (its cache is kept)
  npx stagecraft mirror status         is it running, where, how many packages it holds
  npx stagecraft mirror warm DIR...    fetch every package of the lockfiles under DIR through it,
                                       so lab builds work later without the internet`;

/** `stagecraft mirror ...`: the local npm mirror lab builds use. */
export async function mirrorCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const progress = (m: string): void => console.error(dim(m));
  switch (sub) {
    case 'start': {
      const m = await ensureMirror({ onProgress: progress });
      console.log(`${green('✓')} npm mirror running at ${m.url} (builds reach it as ${m.buildUrl})`);
      return 0;
    }
    case 'stop': {
      const stopped = await stopMirror();
      console.log(stopped ? 'npm mirror stopped; its cache is kept.' : 'npm mirror was not running.');
      return 0;
    }
    case 'status': {
      const s = await mirrorStatus();
      if (s.running) console.log(`${green('✓')} npm mirror running at ${s.url}, pid ${s.pid}, fetching from ${s.uplink}`);
      else console.log(`${yellow('-')} npm mirror not running (checks start it when needed)`);
      console.log(`  ${s.packages} packages cached in ${s.storage}`);
      console.log(`  log: ${s.log}`);
      return 0;
    }
    case 'warm': {
      if (rest.length === 0) {
        throw new StagecraftError('usage', '`stagecraft mirror warm` needs the folders whose lockfiles to fetch.', 'For the whole course: `npx stagecraft mirror warm labs solutions`.');
      }
      const m = await ensureMirror({ onProgress: progress });
      const r = await warmMirror(m.url, await upstreamRegistry(), rest, progress);
      if (r.lockfiles.length === 0) {
        throw new StagecraftError('usage', `No package-lock.json under ${rest.join(', ')}.`, 'Name folders that hold lockfiles (for example `labs solutions`).');
      }
      for (const f of r.failures) console.log(`  ${red('✗')} ${f.pkg}: ${f.reason}`);
      const ok = r.tarballs + r.packuments - r.failures.length;
      console.log(`${r.failures.length ? red('✗') : green('✓')} ${ok}/${r.tarballs + r.packuments} fetched (${r.tarballs} package versions, ${r.packuments} package metadata) from ${r.lockfiles.length} lockfile(s)`);
      if (r.failures.length) {
        console.log('  Fetch them while the internet is reachable, then warm again.');
        return 1;
      }
      console.log(`  The mirror now serves these without the internet (${(await mirrorStatus()).packages} packages cached).`);
      return 0;
    }
    default:
      console.error(USAGE);
      return sub === undefined || sub === 'help' || sub === '--help' ? 0 : 2;
  }
}
