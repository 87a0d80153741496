/**
 * The verdaccio configuration: a caching proxy of the host's npm registry that keeps
 * answering from its storage when that registry cannot be reached (an offline room).
 */
export interface VerdaccioConfigInput {
  storage: string;
  /** The host's npm registry (`npm config get registry`). */
  uplink: string;
  /** How long cached metadata is served without asking the uplink (verdaccio interval). */
  maxAge?: string;
}

export const UPLINK_NAME = 'upstream';

export function verdaccioConfig(input: VerdaccioConfigInput): Record<string, unknown> {
  const proxyAll = { access: '$all', publish: '$authenticated', unpublish: '$authenticated', proxy: UPLINK_NAME };
  return {
    storage: input.storage,
    // No accounts can be created, so nothing can be published into the mirror.
    auth: { htpasswd: { file: './htpasswd', max_users: -1 } },
    uplinks: {
      [UPLINK_NAME]: {
        url: input.uplink,
        cache: true,
        // Offline, a refused connection fails at once; a black-holed one costs a wait of
        // this (time to first byte) for the first two requests, after which verdaccio stops
        // asking the uplink for five minutes and answers from storage.
        timeout: '10s',
        max_fails: 2,
        fail_timeout: '5m',
        // Metadata younger than this is served without asking the uplink at all.
        maxage: input.maxAge ?? '10m',
      },
    },
    packages: { '@*/*': proxyAll, '**': proxyAll },
    // The audit plugin ignores the uplink and calls the public registry itself.
    middlewares: { audit: { enabled: false } },
    web: { enable: false },
    server: { keepAliveTimeout: 60 },
    log: { type: 'stdout', format: 'json', level: 'warn' },
  };
}
