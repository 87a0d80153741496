/**
 * Benchmarks: what the harness adds on top of Docker's own build and run time.
 *
 *   npm run bench
 *
 * For lesson 02's solution with a warm cache, times `stagecraft check` against the same
 * work done with raw docker commands (the same three builds, a run, an HTTP probe, image
 * inspects, cleanup), alternating the two, and prints the medians and their ratio. Then the
 * watch loop: a save to the verdict on screen (bench/watch-loop.ts). `BENCH_ONLY=watch` runs
 * only that.
 */
import { cp, appendFile, mkdtemp, rm, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { $ } from 'zx';
import { loadLesson } from '../harness/course/registry.ts';
import { assembleContext } from '../harness/course/lab-files.ts';
import { parseDockerfile } from '../harness/build/dockerfile.ts';
import { ensureMirror } from '../harness/mirror/index.ts';
import { repoRoot, stateDir } from '../harness/paths.ts';
import { benchWatchLoop } from './watch-loop.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] ?? NaN; };
const sec = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function harnessCheck(): Promise<void> {
  const r = await $({ nothrow: true, quiet: true, cwd: repoRoot })`node bin/stagecraft.js check 02 --dir solutions/02-layer-cache`;
  if (r.exitCode !== 0) throw new Error(`stagecraft check failed:\n${r.stdout}\n${r.stderr}`);
}

/** The same work by hand: three builds, inspects, one run with a probe, cleanup. */
async function rawDocker(contextDir: string, mirrorArgs: string[]): Promise<void> {
  const q = $({ quiet: true });
  const tags = ['main', 'src', 'lock'].map((n) => `stagecraft-bench/raw:${n}`);
  const label = ['--label', 'org.stagecraft.managed=true'];
  // The flags the harness gives every build, so both sides do the same work.
  const build = ['--progress=plain', '--load', '--provenance=false', ...label, ...mirrorArgs];
  const variant = async (file: string, text: string): Promise<string> => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'stagecraft-bench-'));
    await cp(contextDir, dir, { recursive: true });
    await appendFile(path.join(dir, file), text);
    return dir;
  };
  await q`docker buildx build ${build} -t ${tags[0]} ${contextDir}`;
  await q`docker image inspect ${tags[0]}`;
  const src = await variant('server.js', '\n// edited by the stagecraft harness\n');
  await q`docker buildx build ${build} -t ${tags[1]} ${src}`;
  await q`docker image inspect ${tags[1]}`;
  const lock = await variant('package-lock.json', '\n');
  await q`docker buildx build ${build} -t ${tags[2]} ${lock}`;
  await q`docker image inspect ${tags[2]}`;
  const id = (await q`docker run -d ${label} --memory 512m --memory-swap 512m --pids-limit 256 -p 127.0.0.1::3000 ${tags[0]}`).stdout.trim();
  const port = (await q`docker port ${id} 3000`).stdout.trim().split(':').pop();
  for (let i = 0; i < 200; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const body = await (await fetch(`http://127.0.0.1:${port}/`)).text();
  if (!body.includes('Hello')) throw new Error('raw probe failed');
  await q`docker rm -f ${id}`;
  await q`docker rmi ${tags}`;
  await rm(src, { recursive: true, force: true });
  await rm(lock, { recursive: true, force: true });
}

async function main(): Promise<void> {
  if (process.argv[2] === 'grade') return (await import('./grade.ts')).benchGrade(process.argv.slice(3));
  if (process.env.BENCH_ONLY === 'watch') return benchWatchLoop(ROUNDS);
  const lesson = await loadLesson('02');
  const contextDir = await mkdtemp(path.join(os.tmpdir(), 'stagecraft-bench-ctx-'));
  await assembleContext(lesson, lesson.solutionDir, contextDir);
  const parsed = parseDockerfile(await readFile(path.join(contextDir, 'Dockerfile'), 'utf8'));
  const mirrorArgs = await (await ensureMirror()).buildArgs(parsed.baseImages);

  console.log(`Lesson 02 solution, warm cache, ${ROUNDS} rounds alternating (median):`);
  await harnessCheck(); // warm the build cache and the layer cache
  await rawDocker(contextDir, mirrorArgs);
  const ours: number[] = [];
  const raw: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    ours.push(await timeIt(harnessCheck));
    raw.push(await timeIt(() => rawDocker(contextDir, mirrorArgs)));
  }
  await rm(contextDir, { recursive: true, force: true });
  const m = median(ours);
  const r = median(raw);
  console.log(`  stagecraft check 02:          ${sec(m)}   (runs: ${ours.map(sec).join(', ')})`);
  console.log(`  raw docker, same work:        ${sec(r)}   (runs: ${raw.map(sec).join(', ')})`);
  console.log(`  ratio (target <= 1.10):       ${(m / r).toFixed(2)}`);

  const warmImages = await timeIt(() => $({ quiet: true, cwd: repoRoot })`node bin/stagecraft.js images`);
  console.log(`\n\`stagecraft images\`, everything present: ${sec(warmImages)}`);
  try {
    const last = JSON.parse(await readFile(path.join(stateDir, 'images', 'last-build-run.json'), 'utf8')) as { seconds: number; built: number; refresh: boolean; at: string };
    console.log(`\`stagecraft images\`, last run that built stand-ins: ${last.seconds.toFixed(1)} s, ${last.built} built${last.refresh ? ', nothing cached (cold)' : ''} (${last.at})`);
  } catch {
    console.log('`stagecraft images`: no stand-in build recorded on this machine (measure a cold run with `npx stagecraft images --rebuild --refresh`)');
  }

  await benchWatchLoop(ROUNDS);
}

await main();
