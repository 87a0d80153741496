import { exportImage } from './image-export.ts';
import type { LayerContents } from './layer-contents.ts';

/** One platform's variant of a multi-platform image. */
export interface PlatformVariant {
  /** `linux/arm64` */
  platform: string;
  architecture: string;
  diffIds: string[];
  layers: LayerContents[];
  /** Sum of uncompressed layer sizes for this platform. */
  size: number;
}

/**
 * The platforms an image holds in the local store (an image index from
 * `buildx build --platform a,b --load`), each with its own layers.
 */
export async function imagePlatforms(ref: string): Promise<PlatformVariant[]> {
  const exported = await exportImage(ref);
  const variants: PlatformVariant[] = [];
  for (const cfg of exported.configs.values()) {
    // Attestation manifests carry configs for "unknown/unknown": not a platform.
    if (!cfg.os || cfg.os === 'unknown' || !cfg.architecture || cfg.architecture === 'unknown') continue;
    const layers = cfg.rootfs.diff_ids.map((d) => exported.layers.get(d)).filter((l): l is LayerContents => l !== undefined);
    const platform = `${cfg.os}/${cfg.architecture}${cfg.variant ? `/${cfg.variant}` : ''}`;
    if (variants.some((v) => v.platform === platform)) continue;
    variants.push({ platform, architecture: cfg.architecture, diffIds: cfg.rootfs.diff_ids, layers, size: layers.reduce((n, l) => n + l.size, 0) });
  }
  return variants.sort((a, b) => a.platform.localeCompare(b.platform));
}
