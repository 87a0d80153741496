/**
 * Before any engine test: the engine answers and the course's base images are present
 * (built as stand-ins on a machine without a registry; a no-op when they are there).
 */
import { requireEngine } from '../harness/engine/docker.ts';
import { ensureImages } from '../harness/images/ensure.ts';

export default async function setup(): Promise<void> {
  await requireEngine();
  const t0 = performance.now();
  const results = await ensureImages({ onProgress: (line) => process.stderr.write(`[images] ${line}\n`) });
  const failed = results.filter((r) => r.action === 'failed');
  if (failed.length) {
    throw new Error(`base images missing: ${failed.map((r) => `${r.ref}: ${r.error ?? 'failed'}${r.fix ? ` (${r.fix})` : ''}`).join('; ')}`);
  }
  process.stderr.write(`[images] ready in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}
