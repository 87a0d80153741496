import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { docker } from '../engine/docker.ts';
import type { Labels } from '../engine/labels.ts';

const MAX_FILE_BYTES = 256 * 1024 * 1024;

/**
 * Reads one file of an image's final filesystem without running anything: a container is
 * created (never started, so scratch and distroless images work), the file is copied out
 * through the archive API, and the container is removed. Undefined when the path is absent.
 */
export async function readImageFile(image: string, filePath: string, labels: Labels, platform?: string): Promise<Buffer | undefined> {
  const container = await docker().createContainer({ Image: image, Labels: labels, Cmd: ['/stagecraft-never-started'], ...(platform ? { platform } : {}) });
  try {
    let archive: Readable;
    try {
      archive = (await container.getArchive({ path: filePath })) as unknown as Readable;
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return undefined;
      throw e;
    }
    return await firstFile(archive);
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}

async function firstFile(archive: Readable): Promise<Buffer | undefined> {
  const extract = tar.extract();
  let result: Buffer | undefined;
  extract.on('entry', (header, stream, next) => {
    if (result !== undefined || header.type !== 'file' || (header.size ?? 0) > MAX_FILE_BYTES) {
      stream.resume();
      stream.on('end', next);
      return;
    }
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => { chunks.push(c as Buffer); });
    stream.on('end', () => { result = Buffer.concat(chunks); next(); });
  });
  await new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', reject);
    archive.on('error', reject);
    archive.pipe(extract);
  });
  return result;
}
