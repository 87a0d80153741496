import { isStagecraftError } from '../errors.ts';
import { renderError } from '../report/terminal.ts';
import { checkCommand } from './check.ts';
import { doctorCommand } from './doctor.ts';
import { imagesCommand } from './images.ts';
import { mirrorCommand } from './mirror.ts';
import { cleanCommand } from './clean.ts';
import { setupCommand } from './setup.ts';

const USAGE = `stagecraft: a course on building Docker images well

Usage:
  npx stagecraft setup                                 base images and package mirror, then check lab 01
  npx stagecraft check <lesson> [--dir DIR] [--json]   check a lab (exit 0 pass, 1 fail, 2 cannot check)
  npx stagecraft images [--save FILE | --load FILE]    make the course's base images present
  npx stagecraft doctor                                what is missing on this machine, and how to fix it
  npx stagecraft mirror start|stop|status|warm DIR...  the local npm mirror builds use
  npx stagecraft clean                                 remove everything the harness left in the engine

<lesson> is a number (02) or a folder name (02-layer-cache).`;

type Command = (argv: string[]) => Promise<number>;

const commands: Record<string, Command> = {
  check: checkCommand,
  images: imagesCommand,
  doctor: doctorCommand,
  mirror: mirrorCommand,
  clean: cleanCommand,
  setup: setupCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    console.log(USAGE);
    return 0;
  }
  const command = commands[name];
  if (!command) {
    console.error(`stagecraft: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  try {
    return await command(rest);
  } catch (e) {
    if (isStagecraftError(e)) {
      console.error(renderError(e));
      return 2;
    }
    throw e;
  }
}
