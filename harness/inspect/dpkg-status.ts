/**
 * dpkg's database of installed packages (/var/lib/dpkg/status) and apt's record of which
 * were installed automatically (/var/lib/apt/extended_states), read as text: what apt
 * installed, and why.
 */

export interface DebPackage {
  name: string;
  /** Installed and configured (`Status: install ok installed`). */
  installed: boolean;
  essential: boolean;
  priority: string;
  /** Each entry is a list of alternatives (`a | b`), names only. */
  depends: string[][];
  recommends: string[][];
  /** Virtual packages this one provides. */
  provides: string[];
}

/** RFC 822-style stanzas: field name (lower case) to value, continuation lines joined. */
function stanzas(text: string): Map<string, string>[] {
  return text.split(/\n\s*\n/).map((block) => {
    const fields = new Map<string, string>();
    let last: string | undefined;
    for (const line of block.split('\n')) {
      if (/^\s/.test(line) && last) {
        fields.set(last, `${fields.get(last) ?? ''}\n${line.trim()}`);
        continue;
      }
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      last = line.slice(0, colon).trim().toLowerCase();
      fields.set(last, line.slice(colon + 1).trim());
    }
    return fields;
  }).filter((f) => f.has('package'));
}

/** `libc6 (>= 2.34), foo:any | bar` -> [['libc6'], ['foo', 'bar']] */
export function relations(value: string | undefined): string[][] {
  if (!value) return [];
  return value.split(',').map((group) => group.split('|')
    .map((alt) => alt.trim().replace(/\s*\(.*?\)/g, '').replace(/\s*\[.*?\]/g, '').replace(/\s*<.*?>/g, '').split(':')[0]?.trim() ?? '')
    .filter(Boolean)).filter((g) => g.length > 0);
}

export function parseDpkgStatus(text: string): DebPackage[] {
  return stanzas(text).map((f) => ({
    name: f.get('package') ?? '',
    installed: (f.get('status') ?? '').split(/\s+/)[2] === 'installed',
    essential: (f.get('essential') ?? '').toLowerCase() === 'yes',
    priority: (f.get('priority') ?? '').toLowerCase(),
    depends: [...relations(f.get('pre-depends')), ...relations(f.get('depends'))],
    recommends: relations(f.get('recommends')),
    provides: relations(f.get('provides')).flat(),
  }));
}

/** Packages apt marked as installed automatically (as a dependency), from extended_states. */
export function autoInstalled(text: string): Set<string> {
  return new Set(stanzas(text).filter((f) => f.get('auto-installed') === '1').map((f) => f.get('package') ?? ''));
}

export interface RecommendedOnly {
  name: string;
  /** Installed packages whose Recommends name it. */
  recommendedBy: string[];
}

/**
 * Installed packages that are there only because something installed recommends them:
 * no installed package depends on them (directly or through a virtual package they provide),
 * they are not part of the base system (essential, or priority required), and, when apt's
 * record is known, apt installed them automatically (so nobody asked for them by name).
 */
export function recommendedOnly(packages: DebPackage[], auto?: Set<string>): RecommendedOnly[] {
  const installed = packages.filter((p) => p.installed);
  const depended = new Set<string>();
  for (const p of installed) for (const group of p.depends) for (const name of group) depended.add(name);
  const recommendedBy = new Map<string, string[]>();
  for (const p of installed) {
    for (const group of p.recommends) for (const name of group) recommendedBy.set(name, [...(recommendedBy.get(name) ?? []), p.name]);
  }
  return installed.flatMap((p) => {
    if (p.essential || p.priority === 'required') return [];
    if (depended.has(p.name) || p.provides.some((v) => depended.has(v))) return [];
    if (auto && !auto.has(p.name)) return [];
    const by = [...new Set([p.name, ...p.provides].flatMap((n) => recommendedBy.get(n) ?? []))].filter((n) => n !== p.name);
    return by.length ? [{ name: p.name, recommendedBy: by }] : [];
  });
}
