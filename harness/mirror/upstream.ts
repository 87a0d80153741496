import { $ } from 'zx';
import { docker } from '../engine/docker.ts';
import { StagecraftError } from '../errors.ts';

/**
 * The host's npm registry, read at run time so no registry host is written anywhere.
 * The mirror talks to it with the host's trust (NODE_EXTRA_CA_CERTS and proxy variables
 * are inherited through the environment).
 */
export async function upstreamRegistry(): Promise<string> {
  const out = await $({ quiet: true, nothrow: true })`npm config get registry`;
  const url = out.stdout.trim();
  if (out.exitCode !== 0 || !/^https?:\/\//.test(url)) {
    throw new StagecraftError('mirror-failed', `Could not read the host's npm registry (\`npm config get registry\` said: ${out.stderr.trim() || url || 'nothing'}).`,
      'Check that npm works on this machine (`npm ping`), then try again.');
  }
  return url.endsWith('/') ? url : `${url}/`;
}

/** The Docker bridge gateway: the host as seen from build steps and containers. */
export async function bridgeGateway(): Promise<string | undefined> {
  try {
    const net = (await docker().getNetwork('bridge').inspect()) as { IPAM?: { Config?: { Gateway?: string }[] } };
    return net.IPAM?.Config?.find((c) => c.Gateway)?.Gateway;
  } catch {
    return undefined;
  }
}
