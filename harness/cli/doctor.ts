import { $ } from 'zx';
import { docker, engineAnswers } from '../engine/docker.ts';
import { imageStatus } from '../images/ensure.ts';
import { mirrorStatus } from '../mirror/index.ts';
import { green, red, yellow } from '../report/terminal.ts';

interface Finding { ok: boolean; what: string; detail: string; fix?: string }

const SETUP = 'run `sudo bash scripts/setup-engine.sh` (Debian/Ubuntu) or start Docker Desktop';

/** `stagecraft doctor`: engine, buildx, QEMU, images, mirror; what is missing and the fix. */
export async function doctorCommand(): Promise<number> {
  const findings: Finding[] = [];
  const engine = await engineAnswers();
  if (!engine) {
    findings.push({ ok: false, what: 'Docker engine', detail: 'no engine answers', fix: SETUP });
  } else {
    const v = await docker().version();
    const info = (await docker().info()) as { DriverStatus?: [string, string][] };
    const containerdStore = (info.DriverStatus ?? []).some(([, val]) => val.includes('snapshotter'));
    findings.push({ ok: true, what: 'Docker engine', detail: `${v.Version} (API ${v.ApiVersion})` });
    findings.push({ ok: containerdStore, what: 'containerd image store', detail: containerdStore ? 'on' : 'off (multi-platform images and cache export need it)',
      fix: 'set {"features":{"containerd-snapshotter":true}} in /etc/docker/daemon.json (Docker Desktop: Settings > General > "Use containerd for pulling and storing images") and restart the engine' });
  }
  const buildx = await $({ nothrow: true, quiet: true })`docker buildx version`;
  findings.push({ ok: buildx.exitCode === 0, what: 'buildx', detail: buildx.exitCode === 0 ? buildx.stdout.trim() : 'missing', fix: SETUP });
  if (engine && buildx.exitCode === 0) {
    const ls = await $({ nothrow: true, quiet: true })`docker buildx inspect`;
    const arm = /linux\/arm64/.test(ls.stdout);
    findings.push({ ok: arm, what: 'QEMU (linux/arm64 builds)', detail: arm ? 'linux/arm64 available' : 'linux/arm64 not available',
      fix: 'install qemu-user-static and binfmt-support (scripts/setup-engine.sh does it); Docker Desktop has it built in' });
  }
  if (engine) {
    for (const img of await imageStatus()) {
      findings.push({ ok: img.present, what: `image ${img.ref}`, detail: img.present ? `${img.standin ? 'stand-in' : 'upstream'} ${img.platforms.join(', ')}` : 'missing',
        fix: 'run `npx stagecraft images`' });
    }
  }
  const mirror = await mirrorStatus();
  findings.push({ ok: mirror.running, what: 'npm mirror', detail: mirror.running ? `${mirror.url} (${mirror.packages} packages cached)` : 'not running (checks start it when needed)' });

  for (const f of findings) {
    const mark = f.ok ? green('✓') : f.what === 'npm mirror' ? yellow('-') : red('✗');
    console.log(`${mark} ${f.what}: ${f.detail}`);
    if (!f.ok && f.fix) console.log(`    fix: ${f.fix}`);
  }
  const problems = findings.filter((f) => !f.ok && f.what !== 'npm mirror');
  console.log(problems.length ? `\n${problems.length} thing(s) to fix.` : '\nEverything the course needs is here.');
  return problems.length ? 1 : 0;
}
