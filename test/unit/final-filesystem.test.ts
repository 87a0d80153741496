import { describe, expect, it } from 'vitest';
import { finalFilesystem, type Layer } from '../../harness/inspect/image-facts.ts';
import type { LayerFile } from '../../harness/inspect/layer-contents.ts';

const f = (path: string, extra: Partial<LayerFile> = {}): LayerFile => ({ path, type: 'file', size: 10, mode: 0o644, ...extra });
const layer = (index: number, files: LayerFile[]): Layer => ({ index, diffId: `sha256:${index}`, size: 0, compressedSize: undefined, createdBy: '', files, found: {} });

describe('finalFilesystem', () => {
  it('applies whiteouts from later layers', () => {
    const fs = finalFilesystem([
      layer(0, [f('/app', { type: 'dir' }), f('/app/.env'), f('/app/a.js')]),
      layer(1, [f('/app/.env', { whiteout: true })]),
    ]);
    expect([...fs.keys()]).toEqual(['/app', '/app/a.js']);
  });

  it('opaque directories hide lower layers but keep their own new entries', () => {
    const fs = finalFilesystem([
      layer(0, [f('/cache/old.bin'), f('/keep')]),
      layer(1, [f('/cache/new.bin'), f('/cache', { opaque: true })]),
    ]);
    expect([...fs.keys()].sort()).toEqual(['/cache/new.bin', '/keep']);
    expect(fs.get('/cache/new.bin')?.layer).toBe(1);
  });
});
