import { isStagecraftError } from '../errors.ts';
import { renderError } from '../report/terminal.ts';

const USAGE = `stagecraft: a course on building Docker images well

Usage:
  npx stagecraft [watch] [<lesson>]                    watch mode (npm start): check the first unfinished lab on every save
  npx stagecraft list                                  every lab: done, failing, not checked; what is next
  npx stagecraft next                                  the first unfinished lab and how to start it
  npx stagecraft hint <lesson>                         one more hint each time you ask
  npx stagecraft solution <lesson> [--force]           the reference solution and a diff, once you have passed the lab
  npx stagecraft reset <lesson> | --all                a lab's starter files back (yours kept as *.stagecraft-backup)
  npx stagecraft check --all                           check every lab again and update your progress
  npx stagecraft site [--serve] [--port N]             the course as a web page (lessons, progress) in .stagecraft/site
  npx stagecraft setup                                 base images and package mirror, then check lab 01
  npx stagecraft check <lesson> [--dir DIR] [--json]   check a lab (exit 0 pass, 1 fail, 2 cannot check)
  npx stagecraft inspect <lesson> [--dir DIR] [--json] build a lab and show its layers, files, waste, config
  npx stagecraft lint <lesson> [--dir DIR] [--json]    Docker's build checks on a lab's Dockerfile (exit 1: findings)
  npx stagecraft images [--save FILE | --load FILE]    make the course's base images present
  npx stagecraft doctor                                what is missing on this machine, and how to fix it
  npx stagecraft mirror start|stop|status|warm DIR...  the local npm mirror builds use
  npx stagecraft services <lesson> [--dir DIR]         run a lesson's services (a private registry) to build it by hand
  npx stagecraft grade <submissions> --out DIR         grade a class, isolated (see \`grade --help\`)
  npx stagecraft clean                                 remove everything the harness left in the engine

<lesson> is a number (02) or a folder name (02-layer-cache).`;

type Command = (argv: string[]) => Promise<number>;

// Loaded on demand: a command imports only what it uses, so the CLI starts quickly.
const commands: Record<string, () => Promise<Command>> = {
  check: async () => (await import('./check.ts')).checkCommand,
  images: async () => (await import('./images.ts')).imagesCommand,
  doctor: async () => (await import('./doctor.ts')).doctorCommand,
  mirror: async () => (await import('./mirror.ts')).mirrorCommand,
  clean: async () => (await import('./clean.ts')).cleanCommand,
  setup: async () => (await import('./setup.ts')).setupCommand,
  lint: async () => (await import('./lint.ts')).lintCommand,
  inspect: async () => (await import('./inspect.ts')).inspectCommand,
  services: async () => (await import('./services.ts')).servicesCommand,
  grade: async () => (await import('./grade.ts')).gradeCommand,
  watch: async () => (await import('./watch.ts')).watchCommand,
  list: async () => (await import('./list.ts')).listCommand,
  next: async () => (await import('./next.ts')).nextCommand,
  hint: async () => (await import('./hint.ts')).hintCommand,
  solution: async () => (await import('./solution.ts')).solutionCommand,
  reset: async () => (await import('./reset.ts')).resetCommand,
  site: async () => (await import('./site.ts')).siteCommand,
};

export async function main(argv: string[]): Promise<number> {
  // No command at all (`npm start`), or only a lesson (`npm start -- 02`), is watch mode.
  const lessonOnly = argv.length === 1 && /^(\d{1,2}|\d{2}-[a-z0-9-]+)$/.test(argv[0] ?? '');
  const [name, ...rest] = argv.length && !lessonOnly ? argv : ['watch', ...argv];
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    console.log(USAGE);
    return 0;
  }
  const load = commands[name];
  if (!load) {
    console.error(`stagecraft: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  try {
    const command = await load();
    return await command(rest);
  } catch (e) {
    if (isStagecraftError(e)) {
      console.error(renderError(e));
      return 2;
    }
    throw e;
  }
}
