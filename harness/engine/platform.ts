import { docker } from './docker.ts';

let memo: Promise<string> | undefined;

/**
 * The engine's own platform (`linux/amd64`): what BuildKit's docker driver calls
 * BUILDPLATFORM, where steps run without emulation. Docker Desktop on Apple silicon says
 * `linux/arm64`.
 */
export function enginePlatform(): Promise<string> {
  memo ??= docker().version().then((v) => `${v.Os}/${v.Arch}`);
  return memo;
}
