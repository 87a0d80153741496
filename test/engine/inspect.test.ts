/**
 * `stagecraft inspect` on lesson 02's starter: the numbers it shows are the image's
 * (sizes add up, the base image's own layers are recognised by diffID, the npm install
 * layer is listed with its instruction), and it removes what it built.
 */
import { describe, expect, it } from 'vitest';
import { $ } from 'zx';
import { bytes } from '../../harness/checks/format.ts';
import type { InspectReport } from '../../harness/cli/inspect.ts';
import { docker } from '../../harness/engine/docker.ts';
import { MANAGED_LABEL } from '../../harness/engine/labels.ts';
import { imageFacts } from '../../harness/inspect/image-facts.ts';
import { repoRoot } from '../../harness/paths.ts';

const stagecraft = (...args: string[]) => $({ nothrow: true, quiet: true, cwd: repoRoot, env: { ...process.env, NO_COLOR: '1' } })`node bin/stagecraft.js ${args}`;

/** This lesson's check images in the engine (other sessions may be running other lessons). */
async function lessonImages(): Promise<string[]> {
  const images = await docker().listImages({ filters: { label: [`${MANAGED_LABEL}=true`] } });
  return images.flatMap((i) => i.RepoTags ?? []).filter((t) => t.startsWith('stagecraft-check/02-layer-cache:'));
}

let report: InspectReport;

describe('stagecraft inspect', () => {
  it('shows lesson 02 starter\'s layers, sizes and config as the image has them', async () => {
    const before = await lessonImages();
    const r = await stagecraft('inspect', '02', '--json');
    expect(r.exitCode, r.stderr).toBe(0);
    report = JSON.parse(r.stdout) as InspectReport;

    // The total is the sum of the layers, and the compressed size is smaller.
    expect(report.size).toBe(report.layers.reduce((n, l) => n + l.size, 0));
    expect(report.compressedSize).toBeGreaterThan(0);
    expect(report.compressedSize ?? Infinity).toBeLessThan(report.size);

    // The base image's layers are the image's first layers, byte for byte.
    const base = await imageFacts('node:24-trixie-slim', { withLayers: true });
    expect(report.base?.ref).toBe('node:24-trixie-slim');
    expect(report.base?.layers).toBe(base.diffIds.length);
    expect(report.layers.slice(0, base.diffIds.length).map((l) => l.diffId)).toEqual(base.diffIds);
    expect(report.base?.size).toBe(base.size);

    // The starter's own instructions, each with the layer it made.
    const own = report.layers.filter((l) => l.origin === 'dockerfile').map((l) => l.instruction);
    expect(own).toEqual(['WORKDIR /app', 'COPY . .', 'RUN npm install']);
    const npm = report.layers.at(-1);
    expect(npm?.instruction).toBe('RUN npm install');
    expect(npm?.size).toBeGreaterThan(10_000_000); // express and the dev dependencies (typescript)
    expect(report.metadataInstructions.some((i) => i.startsWith('CMD'))).toBe(true);

    // What docker run will do.
    expect(report.config).toMatchObject({ user: '', cmd: ['node', 'server.js'], exposedPorts: ['3000/tcp'], workdir: '/app' });
    expect(report.platform).toBe(`linux/${base.config.architecture}`);

    // The node binary is the biggest file, from a base layer; the dev dependencies are in the npm layer.
    expect(report.largestFiles[0]?.path).toBe('/usr/local/bin/node');
    expect(report.largestFiles.some((f) => f.path.includes('/node_modules/typescript/') && f.layer === npm?.index)).toBe(true);

    // dive's figures: npm install rewrites the package-lock.json that COPY . . put there.
    expect(report.efficiency.score).toBeGreaterThan(0.9);
    expect(report.efficiency.score).toBeLessThanOrEqual(1);
    expect(report.efficiency.inefficiencies.map((i) => i.path)).toContain('/app/package-lock.json');

    expect(await lessonImages()).toEqual(before);
  });

  // The same lab again, from the build cache: the same layers.
  it('prints the same figures for a learner', async () => {
    const r = await stagecraft('inspect', '02');
    expect(r.exitCode, r.stderr).toBe(0);
    const npm = report.layers.at(-1);
    expect(r.stdout).toContain(`${bytes(report.size)} uncompressed (the sum of its ${report.layers.length} layers)`);
    expect(r.stdout).toMatch(new RegExp(`${npm?.index ?? -1}\\s+${bytes(npm?.size ?? 0).replace('.', '\\.')}\\s+RUN npm install`));
    expect(r.stdout).toMatch(/user\s+root \(no USER\)/);
    expect(r.stdout).toMatch(/Efficiency \(as dive computes it\): \d+\.\d\d %/);
  });
});
