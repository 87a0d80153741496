import Docker from 'dockerode';
import { StagecraftError } from '../errors.ts';

let client: Docker | undefined;

/** The engine API client (honours DOCKER_HOST like the docker CLI). */
export function docker(): Docker {
  client ??= new Docker();
  return client;
}

const ENGINE_FIX =
  'Start Docker (Docker Desktop on macOS/Windows); on a Debian/Ubuntu machine without one, run `sudo bash scripts/setup-engine.sh`. Then try again.';

/** Fails with a clear message when no engine answers. */
export async function requireEngine(): Promise<void> {
  try {
    await docker().ping();
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new StagecraftError('engine-missing', `No Docker engine answers (${reason}).`, ENGINE_FIX);
  }
}

export async function engineAnswers(): Promise<boolean> {
  try {
    await docker().ping();
    return true;
  } catch {
    return false;
  }
}

/** Whether an image reference is present in the engine's store. */
export async function imagePresent(ref: string): Promise<boolean> {
  try {
    await docker().getImage(ref).inspect();
    return true;
  } catch {
    return false;
  }
}
