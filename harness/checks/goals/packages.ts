/** Debian packages measured on the image: dpkg's status database, read from its filesystem. */
import { autoInstalled, parseDpkgStatus, recommendedOnly } from '../../inspect/dpkg-status.ts';
import { goal, type Goal, type GoalOptions } from '../goal.ts';
import { list } from '../format.ts';
import { notBuilt } from './common.ts';

const STATUS = '/var/lib/dpkg/status';
const EXTENDED_STATES = '/var/lib/apt/extended_states';

/**
 * No installed package is there only because another one Recommends it: what
 * `apt-get install` without `--no-install-recommends` adds. Measured on the image's dpkg
 * database (and apt's auto-installed marks, when the image has them).
 */
export function noRecommendedOnlyPackages(opts: GoalOptions = {}): Goal {
  const expected = 'no package installed only as a Recommends';
  return goal({
    id: 'no-recommended-packages',
    title: 'apt installed no merely recommended packages',
    hint: 'apt-get installs what a package Recommends unless told not to: apt-get install -y --no-install-recommends PACKAGES.',
    async check(ctx) {
      const nb = notBuilt(ctx, expected);
      if (nb) return nb;
      const [status, states] = await Promise.all([ctx.readFile(STATUS), ctx.readFile(EXTENDED_STATES)]);
      if (!status) return { pass: true, expected, measured: `no dpkg database (${STATUS}): no Debian packages` };
      const packages = parseDpkgStatus(status.toString('utf8'));
      const extra = recommendedOnly(packages, states ? autoInstalled(states.toString('utf8')) : undefined);
      const count = packages.filter((p) => p.installed).length;
      if (!extra.length) return { pass: true, expected, measured: `none of ${count} installed packages` };
      return { pass: false, expected, measured: `${extra.length} recommended-only: ${list(extra.map((p) => p.name), 5)}`,
        message: `${list(extra.map((p) => `${p.name} (recommended by ${list(p.recommendedBy, 2)})`), 5)}: nothing needs ${extra.length > 1 ? 'them' : 'it'}, apt installed ${extra.length > 1 ? 'them' : 'it'} because it installs Recommends by default.` };
    },
  }, opts);
}
