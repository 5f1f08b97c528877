/**
 * Setup step: sign in to Codex with a ChatGPT Plus/Pro account, choose the model
 * and check that the backend answers.
 *
 * Usage: npx tsx setup/index.ts --step codex-auth [--reauth] [--no-browser]
 *          [--device-auth] [--model SLUG] [--no-model-prompt] [--no-check]
 *        npx tsx setup/index.ts --step codex-auth --check
 *
 * Prints one status block, at the end:
 *   AUTH_STATUS=already_authenticated | authenticated | failed (with ERROR=...)
 *   MODELS=<offered models, best first, comma-separated>, DEFAULT_MODEL=,
 *   CURRENT_MODEL=, MODELS_ERROR= (list missing or old), MODEL= (just pinned),
 *   MODEL_ERROR= (--model refused)
 *   LIVE_CHECK=ok | failed, LIVE_MODEL=, FIRST_TOKEN_MS= or LIVE_ERROR= and LIVE_FIX=
 * --check signs nothing in and prints only the LIVE_* fields (exit 1 when it fails).
 */
import path from 'path';
import readline from 'readline';
import { parseArgs } from 'util';

import type { CodexPlugin, ModelChoices } from '../plugins/codex/host.js';
import { readEnvFile } from '../src/env.js';
import { logger } from '../src/logger.js';
import { emitStatus } from './status.js';

const STEP = 'codex-auth';
const CHECK_COMMAND = 'npx tsx setup/index.ts --step codex-auth --check';

type Fields = Record<string, string>;
type Flags = ReturnType<typeof parseFlags>;

function parseFlags(args: string[]) {
  return parseArgs({
    args,
    options: {
      reauth: { type: 'boolean' },
      'no-browser': { type: 'boolean' },
      'device-auth': { type: 'boolean' },
      model: { type: 'string' },
      'no-model-prompt': { type: 'boolean' },
      'no-check': { type: 'boolean' },
      check: { type: 'boolean' },
    },
  }).values;
}

export async function run(args: string[]): Promise<void> {
  let fields: Fields;
  const checkOnly = args.includes('--check');
  try {
    const flags = parseFlags(args);
    const plugin = await loadCodexPlugin();
    fields = checkOnly ? await liveCheck(plugin) : await setUp(plugin, flags);
  } catch (err) {
    fields = checkOnly
      ? {
          LIVE_CHECK: 'failed',
          LIVE_ERROR: oneLine(err),
          LIVE_FIX: `Make plugins/codex load (see LIVE_ERROR), then run: ${CHECK_COMMAND}`,
        }
      : { AUTH_STATUS: 'failed', ERROR: oneLine(err) };
  }
  const failed =
    fields.AUTH_STATUS === 'failed' ||
    fields.MODEL_ERROR !== undefined ||
    (checkOnly && fields.LIVE_CHECK !== 'ok');
  if (failed) process.exitCode = 1;
  emitStatus(STEP, oneLineEach(fields));
}

async function setUp(plugin: CodexPlugin, flags: Flags): Promise<Fields> {
  const fields: Fields = { AUTH_STATUS: await signIn(plugin, flags) };
  Object.assign(fields, await chooseModel(plugin, flags));
  if (!flags['no-check']) Object.assign(fields, await liveCheck(plugin));
  return fields;
}

async function signIn(plugin: CodexPlugin, flags: Flags): Promise<string> {
  if (!flags.reauth && (await plugin.isAuthenticated())) {
    return 'already_authenticated';
  }
  await plugin.setup({
    noBrowser: flags['no-browser'],
    deviceAuth: flags['device-auth'],
  });
  return 'authenticated';
}

/** What Codex offers this account, and the user's pick, if any, pinned in .env. */
async function chooseModel(plugin: CodexPlugin, flags: Flags): Promise<Fields> {
  let choices: ModelChoices;
  try {
    choices = await plugin.models({ refresh: true });
  } catch (err) {
    return {
      MODELS: '',
      DEFAULT_MODEL: '',
      CURRENT_MODEL: configuredModel(),
      MODELS_ERROR: oneLine(err),
      ...(flags.model ? { MODEL_ERROR: oneLine(err) } : {}),
    };
  }
  const fields: Fields = {
    MODELS: choices.models.map((model) => model.slug).join(','),
    DEFAULT_MODEL: choices.defaultModel,
    CURRENT_MODEL: choices.current,
  };
  if (choices.problem) fields.MODELS_ERROR = choices.problem;
  const picked =
    flags.model ??
    (flags['no-model-prompt'] ? undefined : await askForModel(choices));
  if (!picked) return fields;
  try {
    await plugin.pinModel(picked);
    return { ...fields, MODEL: picked, CURRENT_MODEL: picked };
  } catch (err) {
    return { ...fields, MODEL_ERROR: oneLine(err) };
  }
}

/** CODEX_MODEL as NanoClaw reads it: the environment wins over .env. */
function configuredModel(): string {
  return (
    process.env.CODEX_MODEL?.trim() ||
    readEnvFile(['CODEX_MODEL']).CODEX_MODEL ||
    ''
  );
}

/** Only with a person at the terminal; Enter keeps what is set and writes nothing. */
async function askForModel(choices: ModelChoices): Promise<string | undefined> {
  if (!process.stdin.isTTY || !choices.models.length) return undefined;
  const keep = choices.current || `Codex's default, ${choices.defaultModel}`;
  console.log('Models offered to this ChatGPT account, best first:');
  choices.models.forEach((model, i) => {
    const notes = [
      model.slug === choices.current ? 'current' : '',
      model.slug === choices.defaultModel ? 'default' : '',
    ].filter(Boolean);
    const about = model.description ? ` - ${model.description}` : '';
    const marks = notes.length ? ` (${notes.join(', ')})` : '';
    console.log(`  ${i + 1}. ${model.slug}${marks}${about}`);
  });
  const rl = readline.createInterface({
    input: process.stdin,
    output: process.stdout,
  });
  try {
    for (;;) {
      const answer = await ask(rl, `Model number or name [Enter: ${keep}]: `);
      if (!answer) return undefined;
      const slug = /^\d+$/.test(answer)
        ? choices.models[Number(answer) - 1]?.slug
        : answer;
      if (slug && choices.models.some((model) => model.slug === slug)) {
        return slug === choices.current ? undefined : slug;
      }
      console.log(`"${answer}" is not in the list.`);
    }
  } finally {
    rl.close();
  }
}

function ask(rl: readline.Interface, prompt: string): Promise<string> {
  return new Promise((resolve) => {
    rl.once('close', () => resolve('')); // Ctrl-D keeps the current choice
    rl.question(prompt, (answer) => resolve(answer.trim()));
  });
}

async function liveCheck(plugin: CodexPlugin): Promise<Fields> {
  const result = await plugin.liveCheck();
  if (result.ok) {
    return {
      LIVE_CHECK: 'ok',
      LIVE_MODEL: result.model,
      FIRST_TOKEN_MS: String(result.firstTokenMs),
    };
  }
  return {
    LIVE_CHECK: 'failed',
    LIVE_MODEL: result.model ?? '',
    LIVE_ERROR: result.error,
    LIVE_FIX: result.fix,
  };
}

async function loadCodexPlugin(): Promise<CodexPlugin> {
  let mod: typeof import('../plugins/codex/host.js');
  try {
    mod = await import('../plugins/codex/host.js');
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(
      reason.includes('codex-oauth')
        ? `${reason} Install and build the sign-in package: npm install ./packages/codex-oauth && npm run build --prefix packages/codex-oauth`
        : `Cannot load plugins/codex/host.ts: ${reason}`,
    );
  }
  return mod.createPlugin({
    projectRoot: process.cwd(),
    dataDir: path.resolve('data'),
    logger,
    readEnv: readEnvFile,
  });
}

/** The status block is line-based: a multi-line message would break it. */
function oneLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/\s*\n\s*/g, ' ').trim();
}

function oneLineEach(fields: Fields): Fields {
  return Object.fromEntries(
    Object.entries(fields).map(([key, value]) => [key, oneLine(value)]),
  );
}
