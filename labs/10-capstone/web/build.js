// Builds the static site into dist/: index.html plus one minified JS and one CSS bundle.
import { copyFile, mkdir, rm } from 'node:fs/promises';
import * as esbuild from 'esbuild';

await rm('dist', { recursive: true, force: true });
await mkdir('dist', { recursive: true });
const result = await esbuild.build({
  entryPoints: ['src/main.js'],
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  outdir: 'dist/assets',
  entryNames: 'app',
  metafile: true,
  logLevel: 'warning',
});
await copyFile('index.html', 'dist/index.html');
const outputs = Object.entries(result.metafile.outputs).map(([file, o]) => `${file} (${o.bytes} bytes)`);
console.log(`built ${outputs.join(', ')}`);
