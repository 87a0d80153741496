/**
 * The verdaccio configuration of a lesson's private npm registry: every request needs a
 * token, the course's packages are served from its own storage only, and everything else is
 * passed through to the local package mirror, like a company registry in front of npm.
 */
import { verdaccioConfig } from '../mirror/config.ts';

export interface PrivateRegistryConfigInput {
  storage: string;
  htpasswd: string;
  /** The package mirror's host URL: where public packages come from. */
  mirror: string;
  /** Scopes only this registry serves, never asked of the mirror: `@stagecraft`. */
  scopes: string[];
}

const MIRROR_UPLINK = 'mirror';

export function privateRegistryConfig(input: PrivateRegistryConfigInput): Record<string, unknown> {
  const authenticated = { access: '$authenticated', publish: '$authenticated', unpublish: '$authenticated' };
  const packages: Record<string, unknown> = {};
  // A private scope has no uplink: a name there can never be answered by a public package.
  for (const scope of input.scopes) packages[`${scope}/*`] = authenticated;
  packages['**'] = { ...authenticated, proxy: MIRROR_UPLINK };
  return {
    // The mirror's settings (no audit calls, no web UI, JSON warnings) with our own access rules.
    ...verdaccioConfig({ storage: input.storage, uplink: input.mirror }),
    // One account, the one the harness registers at start: nobody else can sign up.
    auth: { htpasswd: { file: input.htpasswd, max_users: 1 } },
    // The mirror keeps the public tarballs; this registry's storage lives for one check.
    uplinks: { [MIRROR_UPLINK]: { url: input.mirror, cache: false, timeout: '30s' } },
    packages,
    // Signed tokens: checking one is a signature check. A legacy (AES) token makes verdaccio
    // verify the account's bcrypt password on every request, about 0.3 s each here.
    security: { api: { legacy: false, jwt: { sign: { expiresIn: '2h' } } } },
  };
}
