/**
 * An internal Docker network has no route out, but its gateway address is the host itself:
 * a container could still open connections to anything on the host that listens on all
 * addresses. Every grading network gets a bridge named with one prefix, and one firewall
 * rule drops new connections arriving from those bridges. Connections the harness opens
 * to a container (its probes) are not new when their replies come back, so they pass.
 * Each process adds its own rule (its pid in the rule's comment) and removes only that one;
 * rules of processes that died are removed by the next grading run.
 */
import { createHash } from 'node:crypto';
import { $ } from 'zx';
import { processAlive } from '../mirror/lock.ts';

const PREFIX = 'scg';
const COMMENT = 'stagecraft-grade:';
const rule = (pid: number): string[] => ['INPUT', '-i', `${PREFIX}+`, '-m', 'conntrack', '--ctstate', 'NEW', '-m', 'comment', '--comment', `${COMMENT}${pid}`, '-j', 'DROP'];
const RULE = rule(process.pid);

/** A bridge name for a grading network (at most 15 characters, as Linux allows). */
export function guardedBridgeName(network: string): string {
  return `${PREFIX}${createHash('sha256').update(network).digest('hex').slice(0, 12)}`;
}

/** The driver option that gives a network its guarded bridge name. */
export function guardedBridgeOption(network: string): Record<string, string> {
  return { 'com.docker.network.bridge.name': guardedBridgeName(network) };
}

let users = 0;

/** Installs the rule (once) for as long as one user holds it; returns the release. */
export async function guardHost(): Promise<() => Promise<void>> {
  users++;
  if ((await $({ nothrow: true, quiet: true })`iptables -C ${RULE}`).exitCode !== 0) {
    const r = await $({ nothrow: true, quiet: true })`iptables -I ${RULE}`;
    if (r.exitCode !== 0) {
      users--;
      throw new Error(`could not install the firewall rule that keeps graded containers off the host: ${r.stderr.trim()}`);
    }
  }
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    if (--users === 0) await $({ nothrow: true, quiet: true })`iptables -D ${RULE}`;
  };
}

/** Removes the rules of processes that are gone (a killed grading run's). */
export async function removeStaleHostGuards(): Promise<void> {
  const listed = await $({ nothrow: true, quiet: true })`iptables -S INPUT`;
  const pids = [...listed.stdout.matchAll(new RegExp(`${COMMENT}(\\d+)`, 'g'))].map((m) => Number(m[1]));
  for (const pid of new Set(pids)) {
    if (pid === process.pid || processAlive(pid)) continue;
    while ((await $({ nothrow: true, quiet: true })`iptables -D ${rule(pid)}`).exitCode === 0) { /* every copy */ }
  }
}
