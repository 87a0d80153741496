/** dive's wasted bytes and efficiency score, and the rest of `inspect`'s view, on synthetic layers. */
import { describe, expect, it } from 'vitest';
import { analyseImage, efficiency, largestFiles } from '../../harness/inspect/analysis.ts';
import type { ImageFacts, Layer } from '../../harness/inspect/image-facts.ts';
import type { LayerFile } from '../../harness/inspect/layer-contents.ts';

const file = (path: string, size: number, extra: Partial<LayerFile> = {}): LayerFile => ({ path, type: 'file', size, mode: 0o644, ...extra });
const dir = (path: string): LayerFile => ({ path, type: 'dir', size: 0, mode: 0o755 });
const gone = (path: string): LayerFile => ({ path, type: 'file', size: 0, mode: 0, whiteout: true });
const layer = (index: number, files: LayerFile[], createdBy = ''): Layer => ({
  index, diffId: `sha256:${index}`, size: files.reduce((n, f) => n + f.size, 0) + 1024, compressedSize: 100, createdBy, files, found: {},
});

describe('efficiency (dive\'s definitions)', () => {
  it('is 1 with nothing wasted when every path is in one layer', () => {
    const e = efficiency([layer(0, [dir('/app'), file('/app/a', 100)]), layer(1, [dir('/app'), file('/app/b', 50)])]);
    // /app has entries under it in both layers, so it is no leaf and counts nowhere.
    expect(e).toEqual({ score: 1, wastedBytes: 0, inefficiencies: [], hiddenBytes: 0 });
  });

  it('an overwritten file wastes the bytes of every copy', () => {
    const e = efficiency([layer(0, [file('/a', 100), file('/b', 300)]), layer(1, [file('/a', 100)])]);
    expect(e.wastedBytes).toBe(200);
    expect(e.inefficiencies).toEqual([{ path: '/a', count: 2, cumulativeSize: 200, layers: [0, 1] }]);
    // smallest per path (100 + 300) over all seen (200 + 300)
    expect(e.score).toBeCloseTo(400 / 500, 10);
    expect(e.hiddenBytes).toBe(100);
  });

  it('a file deleted in a later layer wastes its size; the whiteout itself counts 0', () => {
    const e = efficiency([layer(0, [file('/big', 1000), file('/small', 10)]), layer(1, [gone('/big')])]);
    expect(e.wastedBytes).toBe(1000);
    expect(e.score).toBeCloseTo(10 / 1010, 10);
    expect(e.hiddenBytes).toBe(1000);
  });

  it('a deleted directory is sized at its whiteout, and (like dive) not counted as waste', () => {
    const e = efficiency([
      layer(0, [dir('/d'), file('/d/f1', 500), file('/d/f2', 300)]),
      layer(1, [gone('/d')]),
    ]);
    // The directory was no leaf in layer 0, so its path is met once: at the whiteout (800 bytes).
    expect(e.wastedBytes).toBe(0);
    expect(e.score).toBe(1);
    // What stays hidden in layer 0 is still measured, by the harness's own figure.
    expect(e.hiddenBytes).toBe(800);
  });

  it('a rewritten file inside a directory both layers touch is counted; opaque markers are not entries', () => {
    const e = efficiency([
      layer(0, [dir('/etc'), file('/etc/ld.so.cache', 40), dir('/var/cache')]),
      layer(1, [dir('/etc'), file('/etc/ld.so.cache', 42), { ...dir('/var/cache'), opaque: true }, dir('/var/cache')]),
    ]);
    expect(e.inefficiencies.map((i) => [i.path, i.cumulativeSize])).toEqual([['/etc/ld.so.cache', 82], ['/var/cache', 0]]);
    expect(e.wastedBytes).toBe(82);
  });

  it('is 1 for an empty image', () => {
    expect(efficiency([]).score).toBe(1);
  });
});

describe('largestFiles', () => {
  it('lists the final filesystem\'s biggest files with the layer of their last copy', () => {
    const layers = [layer(0, [file('/usr/bin/node', 120), file('/tmp/x', 500)]), layer(1, [gone('/tmp/x'), file('/usr/bin/node', 121), file('/app/a', 5)])];
    expect(largestFiles(layers, 2)).toEqual([{ path: '/usr/bin/node', size: 121, layer: 1 }, { path: '/app/a', size: 5, layer: 1 }]);
  });
});

describe('analyseImage', () => {
  const layers = [
    layer(0, [file('/bin/sh', 100)], 'ADD rootfs.tar / # buildkit'),
    layer(1, [file('/usr/local/etc/npmrc', 80)], 'COPY stagecraft-mirror.npmrc /usr/local/etc/npmrc # buildkit'),
    layer(2, [file('/app/server.js', 7)], 'COPY . . # buildkit'),
    layer(3, [file('/app/node_modules/express/index.js', 9000)], 'RUN /bin/sh -c npm install # buildkit'),
  ];
  const facts: ImageFacts = {
    ref: 'x', id: 'sha256:x', diffIds: layers.map((l) => l.diffId), layers, size: 0, compressedSize: 400,
    history: [
      { createdBy: 'ADD rootfs.tar / # buildkit', emptyLayer: false, comment: '' },
      { createdBy: 'CMD ["bash"]', emptyLayer: true, comment: '' },
      { createdBy: 'COPY stagecraft-mirror.npmrc /usr/local/etc/npmrc # buildkit', emptyLayer: false, comment: '' },
      { createdBy: 'COPY . . # buildkit', emptyLayer: false, comment: '' },
      { createdBy: 'RUN /bin/sh -c npm install # buildkit', emptyLayer: false, comment: '' },
      { createdBy: 'CMD ["node" "server.js"]', emptyLayer: true, comment: '' },
    ],
    config: {
      user: '', cmd: ['node', 'server.js'], entrypoint: undefined, env: {}, exposedPorts: ['3000/tcp'], healthcheck: undefined,
      labels: {}, workdir: '/app', stopSignal: undefined, os: 'linux', architecture: 'amd64',
    },
  };

  it('totals the layers, names each one\'s instruction and where it comes from', () => {
    const a = analyseImage(facts, { baseDiffIds: ['sha256:0'], baseHistoryLength: 2, isHarnessLayer: (c) => c.includes('stagecraft-mirror.npmrc') });
    expect(a.size).toBe(layers.reduce((n, l) => n + l.size, 0));
    expect(a.platform).toBe('linux/amd64');
    expect(a.layers.map((l) => [l.origin, l.instruction])).toEqual([
      ['base', 'ADD rootfs.tar /'],
      ['harness', 'COPY stagecraft-mirror.npmrc /usr/local/etc/npmrc'],
      ['dockerfile', 'COPY . .'],
      ['dockerfile', 'RUN npm install'],
    ]);
    expect(a.metadataInstructions).toEqual(['CMD ["node" "server.js"]']);
    expect(a.largestFiles[0]).toEqual({ path: '/app/node_modules/express/index.js', size: 9000, layer: 3 });
    expect(a.config.exposedPorts).toEqual(['3000/tcp']);
  });

  it('counts only a matching prefix as the base', () => {
    expect(analyseImage(facts, { baseDiffIds: ['sha256:9'] }).layers.every((l) => l.origin === 'dockerfile')).toBe(true);
  });
});
