/**
 * Build secrets: the build needs the secret and gets it only through a secret mount, and the
 * secret's value ends up nowhere an image or a build shows anyone: layers, history, config,
 * build output. The values looked for are the ones the lesson's services mark secret
 * (`ctx.secretValues`), new at every check, so a hit is never a coincidence.
 */
import { parseStepName } from '../../build/step-name.ts';
import { declaredVars } from '../../build/declared-vars.ts';
import { secretMountsInDockerfile, secretMountsOfInstruction, type SecretMount } from '../../build/secret-mounts.ts';
import { imageConfigFields } from '../../inspect/config-fields.ts';
import { argNamesInHistory, looksSecret, mask } from '../../inspect/secret-names.ts';
import { goal, type Goal, type GoalOptions } from '../goal.ts';
import type { LabContext } from '../lab-context.ts';
import { instruction, list } from '../format.ts';
import { notBuilt } from './common.ts';

export interface SecretGoalOptions extends GoalOptions {
  /** Words for messages: "the registry token". */
  what?: string;
}

/** The values to look for; a goal with nothing to look for could never fail, so it errors. */
function secretValues(ctx: LabContext): string[] {
  if (!ctx.secretValues.length) throw new Error('there is no secret value to look for: the lesson runs no service that provides one');
  return ctx.secretValues;
}

/** Text for a message: secrets masked, whitespace collapsed, cut to `max` around the first mask. */
const shown = (ctx: LabContext, text: string, max = 110): string => {
  const m = mask(text, ctx.secretValues).replace(/\s+/g, ' ');
  if (m.length <= max) return m;
  const at = m.indexOf('***');
  const start = at + 3 > max - 3 ? Math.min(at - Math.floor(max / 2), m.length - max + 3) : 0;
  const cut = m.slice(start, start + max - (start ? 6 : 3));
  return `${start ? '...' : ''}${cut}${start + cut.length < m.length ? '...' : ''}`;
};

/** No file of any layer holds a secret value (a file deleted later is still in its layer). */
export function noSecretInLayers(opts: SecretGoalOptions = {}): Goal {
  const what = opts.what ?? 'the secret';
  const expected = `${what} in no file of any layer`;
  return goal({
    id: 'no-secret-in-layers',
    title: `The value of ${what} is in no layer`,
    hint: 'A file deleted by a later step is still in the layer that wrote it. Mount the secret for the one RUN that needs it (`RUN --mount=type=secret,...`): it is never written to a layer.',
    async check(ctx) {
      const nb = notBuilt(ctx, expected);
      if (nb) return nb;
      const needles = secretValues(ctx);
      const layers = (await ctx.facts()).layers ?? [];
      const hits = layers.flatMap((l) => needles.flatMap((n) => (l.found[n] ?? []).map((p) => ({ path: p, layer: l }))));
      const first = hits[0];
      if (!first) return { pass: true, expected, measured: `not found in ${layers.length} layers` };
      return { pass: false, expected, measured: `found in ${list(hits.map((h) => `${h.path} (layer ${h.layer.index + 1})`))}`,
        message: `${first.path} holds ${what}, in layer ${first.layer.index + 1}, made by \`${shown(ctx, instruction(first.layer.createdBy))}\`. Anyone who pulls the image can read it there, even if a later step deletes the file.` };
    },
  }, opts);
}

/** `docker history --no-trunc` shows no secret (build arguments used by RUN steps are recorded there). */
export function noSecretInHistory(opts: SecretGoalOptions = {}): Goal {
  const what = opts.what ?? 'the secret';
  const expected = `${what} in no history entry`;
  return goal({
    id: 'no-secret-in-history',
    title: `The value of ${what} is in no history entry`,
    hint: 'BuildKit records the build arguments in scope in the history entry of every later RUN. Do not pass secrets as ARG: mount them with `RUN --mount=type=secret`.',
    async check(ctx) {
      const nb = notBuilt(ctx, expected);
      if (nb) return nb;
      const needles = secretValues(ctx);
      const history = (await ctx.facts()).history;
      const hits = history.filter((h) => needles.some((n) => h.createdBy.includes(n) || h.comment.includes(n)));
      const first = hits[0];
      if (!first) return { pass: true, expected, measured: `not in ${history.length} entries` };
      return { pass: false, expected, measured: `in ${hits.length} of ${history.length} entries`,
        message: `\`docker history --no-trunc\` shows it: \`${shown(ctx, instruction(first.createdBy))}\`.` };
    },
  }, opts);
}

/** No config field (Env, Cmd, Entrypoint, Labels, ...) holds a secret: `docker inspect` shows them all. */
export function noSecretInConfig(opts: SecretGoalOptions = {}): Goal {
  const what = opts.what ?? 'the secret';
  const expected = `${what} in no config field or label`;
  return goal({
    id: 'no-secret-in-config',
    title: `The value of ${what} is in no config field or label`,
    hint: 'ENV and LABEL values are part of the image config, which `docker inspect` shows anyone with the image. A secret needed only to build is mounted, not set.',
    async check(ctx) {
      const nb = notBuilt(ctx, expected);
      if (nb) return nb;
      const needles = secretValues(ctx);
      const fields = await imageConfigFields(ctx.build.tag);
      const hits = fields.filter((f) => needles.some((n) => f.value.includes(n)));
      if (!hits.length) return { pass: true, expected, measured: `not in ${fields.length} config values` };
      return { pass: false, expected, measured: `in ${list(hits.map((h) => h.path))}`,
        message: `\`docker inspect\` shows it in ${list(hits.map((h) => `${h.path} = ${shown(ctx, h.value, 60)}`))}.` };
    },
  }, opts);
}

/** BuildKit's progress output (what CI keeps as the job log) never shows a secret. */
export function noSecretInBuildLog(opts: SecretGoalOptions = {}): Goal {
  const what = opts.what ?? 'the secret';
  const expected = `${what} never printed by the build`;
  return goal({
    id: 'no-secret-in-build-log',
    title: `The build output never shows ${what}`,
    hint: 'BuildKit prints each RUN with its build arguments filled in, and CI keeps that log. A mounted secret is a file the command reads: it never appears in the command line.',
    async check(ctx) {
      const needles = secretValues(ctx);
      const steps = ctx.build.steps.filter((s) => needles.some((n) => s.name.includes(n) || s.output.some((l) => l.includes(n))));
      const inLog = needles.some((n) => ctx.build.log.toString().includes(n));
      const first = steps[0];
      if (!first && !inLog) return { pass: true, expected, measured: `not in ${ctx.build.steps.length} steps' output` };
      return { pass: false, expected, measured: first ? `shown by ${steps.length} step${steps.length > 1 ? 's' : ''}` : 'in the build output',
        message: first ? `The build printed it in the step \`${shown(ctx, first.name)}\`.` : 'The build printed it.' };
    },
  }, opts);
}

/** No ARG or ENV name suggests a secret (BuildKit's SecretsUsedInArgOrEnv, measured on the image). */
export function noSecretLikeNames(opts: GoalOptions = {}): Goal {
  const expected = 'no ARG or ENV named like a secret (TOKEN, PASSWORD, KEY, ...)';
  return goal({
    id: 'no-secret-like-names',
    title: 'No ARG or ENV name looks like a secret',
    hint: 'A variable named NPM_TOKEN or API_KEY says a secret passes through ARG or ENV, where history and config keep it. Take it out and mount the secret instead.',
    async check(ctx) {
      const nb = notBuilt(ctx, expected);
      if (nb) return nb;
      const facts = await ctx.facts();
      const found = new Map<string, Set<string>>();
      const note = (name: string, where: string): void => {
        if (looksSecret(name)) found.set(name, (found.get(name) ?? new Set()).add(where));
      };
      for (const name of Object.keys(facts.config.env)) note(name, 'ENV in the image config');
      for (const h of facts.history) for (const name of argNamesInHistory(h.createdBy)) note(name, 'ARG in the image history');
      for (const v of declaredVars(ctx.dockerfile)) note(v.name, `${v.keyword} on Dockerfile line ${v.line + 1}`);
      if (!found.size) return { pass: true, expected, measured: 'none' };
      const items = [...found].map(([name, where]) => `${name} (${[...where].join('; ')})`);
      return { pass: false, expected, measured: list([...found.keys()]), message: `Found ${list(items, 4)}.` };
    },
  }, opts);
}

export interface SecretMountSpec extends GoalOptions {
  /** The secret's id, as the build is given it (`--secret id=npmrc,...`). */
  secretId: string;
}

function describeMount(m: SecretMount): string {
  return `secret ${m.id} at ${m.target}${m.required ? ' (required)' : ''}`;
}

/** A step of the build, as BuildKit's log shows what ran, mounts the secret (`RUN --mount=type=secret,id=...`). */
export function secretMounted(spec: SecretMountSpec): Goal {
  const expected = `a RUN step mounting secret ${spec.secretId} (--mount=type=secret,id=${spec.secretId})`;
  return goal({
    id: 'secret-mounted',
    title: `The build mounts the secret ${spec.secretId} with RUN --mount=type=secret`,
    hint: `Give the one RUN that needs it \`--mount=type=secret,id=${spec.secretId},target=FILE\` (or read /run/secrets/${spec.secretId}): the file exists only while that command runs.`,
    async check(ctx) {
      const first = mountingSteps(ctx).find((s) => s.mount.id === spec.secretId);
      if (first) {
        return { pass: true, expected, measured: `\`${shown(ctx, first.instruction, 90)}\` mounts ${describeMount(first.mount)}` };
      }
      const declared = secretMountsInDockerfile(ctx.dockerfile);
      const envForm = declared.find((m) => m.unsupported.includes('env'));
      if (envForm) {
        return { pass: false, expected, measured: `line ${envForm.line + 1} uses env=`,
          message: `This engine's Dockerfile frontend has no \`env=\` option for secret mounts (BuildKit rejects the build: ${ctx.build.reason ?? 'unexpected key'}). Mount the secret as a file and point the command at it.` };
      }
      const mine = declared.find((m) => m.id === spec.secretId);
      if (mine) {
        return { pass: false, expected, measured: `line ${mine.line + 1} mounts it, but that step did not run`,
          message: ctx.built ? `The Dockerfile mounts ${spec.secretId} on line ${mine.line + 1}, in a stage this build does not use.` : `The build stopped before that step: ${ctx.build.reason ?? ''}.` };
      }
      const other = declared[0];
      return { pass: false, expected, measured: other ? `mounts secret ${other.id}, not ${spec.secretId}` : 'no secret mount',
        message: other ? `The build is given the secret as id \`${spec.secretId}\`; the Dockerfile mounts \`${other.id}\`.` : undefined };
    },
  }, spec);
}

/** The steps of a build, as BuildKit's log names them, with the secrets each mounts. */
function mountingSteps(ctx: LabContext): { instruction: string; mount: SecretMount }[] {
  return ctx.build.steps.flatMap((s) => {
    const ins = parseStepName(s.name)?.instruction;
    return ins ? secretMountsOfInstruction(ins).map((mount) => ({ instruction: ins, mount })) : [];
  });
}

/**
 * The build needs the secrets: it built with them, and a build of the same context without
 * them fails. BuildKit leaves secret values out of its cache keys, so a cached step that
 * mounts a secret would "succeed" without it: when a step mounts one, that build uses no
 * cache. When none does, the secrets cannot change any step, and the cache answers the same.
 */
export function failsWithoutSecrets(opts: SecretGoalOptions = {}): Goal {
  const what = opts.what ?? 'the secret';
  const expected = `builds with ${what}, fails without it`;
  return goal({
    id: 'fails-without-secret',
    title: `The build needs ${what}: without it, it fails`,
    hint: 'If the image still builds when no secret is given, the credentials reach the build another way (a build argument, a file in the context). Mount them as a secret; `required=true` makes a missing one fail at once with a clear message.',
    async check(ctx) {
      const nb = notBuilt(ctx, expected);
      if (nb) return nb;
      const noCache = mountingSteps(ctx).length > 0;
      const variant = await ctx.variant('without-secrets', async () => undefined, { secrets: [], noCache });
      const { build } = variant;
      if (build.outcome === 'built') {
        return { pass: false, expected, measured: 'built without it',
          message: `Given no build secret at all, the image still built: ${what} reached the build another way, or the build does not use it.` };
      }
      if (build.outcome !== 'failed') {
        return { pass: false, expected, measured: `without it: ${build.outcome}`, message: `Without ${what} the build did not fail clearly: ${build.reason ?? build.outcome}.` };
      }
      const step = build.log.failedStep();
      const where = step ? `\`${shown(ctx, parseStepName(step.name)?.instruction ?? step.name, 70)}\`` : 'the build';
      // BuildKit's own reason ("secret npmrc: not found") says it all; a failed command's is
      // only its exit code, so add what the command itself said (npm's first error line).
      const why = step?.error ?? build.log.solveError ?? build.reason ?? '';
      const said = /did not complete successfully/.test(why) ? step?.output.find((l) => /\berr(or|!)?\b/i.test(l)) : undefined;
      return { pass: true, expected, measured: `without it, ${where} failed: ${shown(ctx, said ?? why, 90)}` };
    },
  }, opts);
}
