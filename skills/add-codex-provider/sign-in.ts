/**
 * Sign-in, model choice and the live check after apply. None of it undoes the
 * installation when it fails; each failure says how to finish by hand.
 */
import fs from 'node:fs';

import {
  canPrompt,
  choose,
  confirm,
  envPaths,
  findEnvLine,
  readEnv,
  readEnvValue,
  setEnvLine,
  writeEnvAndSync,
  type Reporter,
  type SetupContext,
  type SkillMemory,
} from '../../src/api/index.js';
import { runAuthStep, runLiveCheck, type AuthOutcome } from './auth-step.js';
import {
  AUTH_STEP,
  PROVIDER,
  setupCommand,
  type CodexOptions,
} from './codex.js';
import { resolveTokenLocation } from './token-file.js';
import { inspectTokens } from './token-status.js';

type SignInOptions = CodexOptions;
type Result = SetupContext['result'];

export interface SignInResult {
  signedIn: boolean;
  /** The step's status block, when it ran. */
  fields: Record<string, string>;
}

function hasTokens(root: string): boolean {
  const status = inspectTokens(root, resolveTokenLocation(root));
  return status.present || Boolean(status.insideCheckout);
}

/** Why sign-in cannot run now, or undefined when it can. */
function reasonToSkip(
  root: string,
  options: SignInOptions,
): string | undefined {
  if (options.skipAuth) return '--skip-auth';
  // Already signed in: the step only confirms it and reads the catalog, no questions.
  if (!options.reauth && hasTokens(root)) return undefined;
  if (!options.auth && (!canPrompt() || options.json)) {
    return 'no terminal to sign in from';
  }
  return undefined;
}

function introduce(options: SignInOptions, reporter: Reporter): void {
  reporter.urgent(
    options.deviceAuth
      ? 'Sign in with your ChatGPT account: open the page below in any browser and enter the code shown.'
      : options.browser === false || !canPrompt()
        ? 'Sign in with your ChatGPT account: open the link below in any browser, then paste the final redirect URL here if asked.'
        : 'Sign in with your ChatGPT account: your browser opens the link below (if it does not, open it yourself).',
  );
}

export async function signIn(
  { root, manifest, reporter, result }: SetupContext,
  options: SignInOptions,
): Promise<SignInResult> {
  const step = AUTH_STEP;
  const retry = `sign in later with \`${setupCommand(step)}\` in ${root}, or run \`apply-skill ${manifest.name}\` again`;
  const skip = reasonToSkip(root, options);
  if (skip) {
    reporter.skip('Sign in', skip);
    result.next.push(`Sign in: ${retry}.`);
    return { signedIn: false, fields: {} };
  }
  const interactive = options.reauth || !hasTokens(root);
  if (interactive) introduce(options, reporter);
  const run = (reauth: boolean) =>
    runAuthStep(root, {
      step,
      reauth,
      deviceAuth: options.deviceAuth,
      browser: options.browser,
      extraArgs: ['--no-model-prompt', '--no-check'],
      echo: (line) => reporter.urgent(`  ${line}`),
    });
  let outcome: AuthOutcome = await run(Boolean(options.reauth));
  if (
    outcome.status === 'already_authenticated' &&
    !options.reauth &&
    !options.yes &&
    !options.json &&
    canPrompt()
  ) {
    const keep = await confirm('Codex tokens already exist. Keep them?', true);
    if (!keep) {
      introduce(options, reporter);
      outcome = await run(true);
    }
  }
  if (outcome.status === 'failed') {
    reporter.steps.push({
      name: 'Sign in',
      status: 'warning',
      detail: outcome.error,
      ms: 0,
    });
    const error = (outcome.error ?? '').replace(/[.\s]+$/, '');
    reporter.warn(
      `Sign-in failed: ${error}. The installation is kept; ${retry}.`,
    );
    result.warnings.push(`Sign-in failed: ${error}`);
    result.next.push(`Sign in: ${retry}.`);
    return { signedIn: false, fields: outcome.fields };
  }
  reporter.steps.push({
    name: 'Sign in',
    status: 'done',
    detail: outcome.status,
    ms: 0,
  });
  reporter.success(
    outcome.status === 'authenticated'
      ? 'Signed in.'
      : 'Already signed in; kept the tokens.',
  );
  return { signedIn: true, fields: outcome.fields };
}

/** Record the line once, so remove can put it back as it was before apply. */
function rememberEnvLine(root: string, memory: SkillMemory, key: string): void {
  const previousEnv =
    memory.get<Record<string, string | null>>('previousEnv') ?? {};
  if (key in previousEnv) return;
  previousEnv[key] = findEnvLine(readEnv(root), key);
  memory.set('previousEnv', previousEnv);
  memory.set(
    'createdEnvFile',
    memory.get<boolean>('createdEnvFile') ??
      !fs.existsSync(envPaths(root).envFile),
  );
}

function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((slug) => slug.trim())
    .filter(Boolean);
}

/** What the user picked: --model, the prompt, or nothing (Codex's default stays). */
async function pickModel(
  models: string[],
  fallbackModel: string,
  current: string | null,
  options: SignInOptions,
  reporter: Reporter,
  result: Result,
): Promise<string | undefined> {
  if (options.model) {
    if (models.length && !models.includes(options.model)) {
      const warning = `--model ${options.model} is not offered to this account; kept ${current ?? `the default (${fallbackModel})`}. Offered: ${models.join(', ')}.`;
      reporter.warn(warning);
      result.warnings.push(warning);
      return undefined;
    }
    return options.model;
  }
  if (!models.length || options.json || options.yes || !canPrompt()) {
    return undefined;
  }
  const keep = '';
  const picked = await choose(
    'Which Codex model should answer?',
    [
      {
        value: keep,
        name: current
          ? `Keep ${current}`
          : `Codex's default (now ${fallbackModel}; follows new models)`,
      },
      ...models
        .filter((slug) => slug !== current)
        .map((slug) => ({ value: slug, name: slug })),
    ],
    keep,
  );
  return picked || undefined;
}

/** Offer the models the account has, and pin CODEX_MODEL only when the user chose one. */
export async function chooseModel(
  { root, memory, reporter, result }: SetupContext,
  options: SignInOptions,
  signedIn: SignInResult,
): Promise<void> {
  const key = PROVIDER.modelEnvKey;
  const models = splitList(signedIn.fields.MODELS);
  const current = readEnvValue(readEnv(root), key);
  const fallback = signedIn.fields.DEFAULT_MODEL || models[0] || 'unknown';
  if (options.model && !models.length) {
    reporter.warn(
      `--model ${options.model} could not be checked against the model list (not signed in); Codex answers for it on the first message.`,
    );
  }
  const picked = await pickModel(
    models,
    fallback,
    current,
    options,
    reporter,
    result,
  );
  if (!picked || picked === current) {
    if (models.length) {
      reporter.info(
        `  Model: ${current ?? `${fallback} (Codex's default)`}; offered: ${models.join(', ')}`,
      );
    }
    return;
  }
  await reporter.softStep('Set model', async () => {
    rememberEnvLine(root, memory, key);
    writeEnvAndSync(root, setEnvLine(readEnv(root), key, `${key}=${picked}`));
    return `${key}=${picked} in .env, synced to data/env/env`;
  });
}

/** One streamed answer with the stored sign-in: proof that the backend takes it. */
export async function liveCheck({
  root,
  reporter,
  result,
}: SetupContext): Promise<void> {
  const step = AUTH_STEP;
  await reporter.softStep('Live check', async () => {
    const check = await runLiveCheck(root, step);
    if (!check.ok) {
      result.next.push(`Live check failed: ${check.fix ?? check.error}`);
      throw new Error(
        `${check.error ?? 'failed'}${check.fix ? `. Fix: ${check.fix}` : ''}`,
      );
    }
    return `${check.model ?? 'the model'} answered, first token after ${check.firstTokenMs ?? '?'} ms`;
  });
}
