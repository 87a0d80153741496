import { readFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { StagecraftError } from '../errors.ts';

/**
 * Where Debian's package archive is, read from this machine's own apt sources at run time:
 * the project never writes an archive's hostname down (machines use different mirrors).
 */
export interface DebianArchive {
  /** The main archive URI (serves `trixie`, `trixie-updates`, ...). */
  main: string;
  /** The security archive URI, when the machine has one configured. */
  security: string | undefined;
  /** Where the URIs came from, for messages. */
  origin: string;
}

interface SourceEntry {
  uri: string;
  suites: string[];
}

function parseDeb822(text: string): SourceEntry[] {
  const entries: SourceEntry[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const line of stanza.split('\n')) {
      if (line.startsWith('#')) continue;
      const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
      if (m?.[1] && m[2] !== undefined) fields.set(m[1].toLowerCase(), m[2].trim());
    }
    if (!(fields.get('types') ?? '').split(/\s+/).includes('deb')) continue;
    if ((fields.get('enabled') ?? 'yes') === 'no') continue;
    const suites = (fields.get('suites') ?? '').split(/\s+/).filter(Boolean);
    for (const uri of (fields.get('uris') ?? '').split(/\s+/).filter(Boolean)) entries.push({ uri, suites });
  }
  return entries;
}

function parseOneLine(text: string): SourceEntry[] {
  const entries: SourceEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    // deb [options] uri suite components...
    const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line);
    if (m?.[1] && m[2]) entries.push({ uri: m[1], suites: [m[2]] });
  }
  return entries;
}

function machineSources(aptDir: string): SourceEntry[] {
  const entries: SourceEntry[] = [];
  const list = path.join(aptDir, 'sources.list');
  if (existsSync(list)) entries.push(...parseOneLine(readFileSync(list, 'utf8')));
  const dir = path.join(aptDir, 'sources.list.d');
  if (existsSync(dir)) {
    for (const f of readdirSync(dir).sort()) {
      const text = readFileSync(path.join(dir, f), 'utf8');
      if (f.endsWith('.sources')) entries.push(...parseDeb822(text));
      else if (f.endsWith('.list')) entries.push(...parseOneLine(text));
    }
  }
  return entries;
}

const trim = (uri: string): string => uri.replace(/\/+$/, '');

/**
 * The archive URIs from the machine's apt sources. STAGECRAFT_DEBIAN_MIRROR (and
 * STAGECRAFT_DEBIAN_SECURITY_MIRROR) override them, e.g. on a non-Debian host.
 */
export function debianArchive(aptDir = '/etc/apt'): DebianArchive {
  const override = process.env.STAGECRAFT_DEBIAN_MIRROR;
  const securityOverride = process.env.STAGECRAFT_DEBIAN_SECURITY_MIRROR;
  const entries = override ? [] : machineSources(aptDir);
  const isSecurity = (e: SourceEntry): boolean => e.suites.some((s) => s.endsWith('-security'));
  const main = override ?? entries.find((e) => !isSecurity(e) && e.uri.startsWith('http'))?.uri;
  if (!main) {
    throw new StagecraftError(
      'images-failed',
      `Found no Debian package archive in ${aptDir}/sources.list(.d); stand-in images are built from Debian packages.`,
      'Run this on a Debian machine with apt sources, or set STAGECRAFT_DEBIAN_MIRROR to a Debian archive URI.',
    );
  }
  const security = securityOverride ?? entries.find((e) => isSecurity(e) && e.uri.startsWith('http'))?.uri;
  return { main: trim(main), security: security ? trim(security) : undefined, origin: override ? 'STAGECRAFT_DEBIAN_MIRROR' : `${aptDir}/sources.list(.d)` };
}

/** apt source lines for mmdebstrap: the suite, its updates, and its security suite. */
export function sourceLines(archive: DebianArchive, suite: string): string[] {
  const lines = [`deb ${archive.main} ${suite} main`, `deb ${archive.main} ${suite}-updates main`];
  if (archive.security) lines.push(`deb ${archive.security} ${suite}-security main`);
  return lines;
}

/** Fails with a clear message when the archive does not answer for the suite. */
export async function requireArchive(archive: DebianArchive, suite: string, timeoutMs = 15_000): Promise<void> {
  const url = `${archive.main}/dists/${suite}/InRelease`;
  let problem: string;
  try {
    const res = await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(timeoutMs) });
    if (res.ok) return;
    problem = `HTTP ${res.status}`;
  } catch (e) {
    problem = e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e);
  }
  throw new StagecraftError(
    'images-failed',
    `Debian's package archive (${archive.main}, from ${archive.origin}) does not answer for ${suite}: ${problem}.`,
    'Check the network, or that the apt sources point at a reachable Debian mirror, then run `stagecraft images` again.',
  );
}
