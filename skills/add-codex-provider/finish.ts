/**
 * What runs after the files are in place and the build is validated: sign-in,
 * provider choice, .env, caches and the service. None of it undoes the
 * installation when it fails; each failure says how to finish by hand.
 */
import fs from 'node:fs';
import path from 'node:path';

import {
  CancelledError,
  canPrompt,
  choose,
  clearAgentRunnerCaches,
  envPaths,
  findEnvLine,
  pruneEmptyDirs,
  readEnv,
  readEnvValue,
  restartService,
  setEnvLine,
  writeEnvAndSync,
  type SetupContext,
  type SkillMemory,
} from '../../src/api/index.js';
import {
  AUTH_STEP,
  codexOptions,
  PROVIDER,
  setupCommand,
  type CodexOptions,
} from './codex.js';
import {
  chooseModel,
  liveCheck,
  signIn,
  type SignInResult,
} from './sign-in.js';
import { resolveTokenLocation } from './token-file.js';
import { inspectTokens } from './token-status.js';

async function chooseProvider(
  root: string,
  options: CodexOptions,
): Promise<string | undefined> {
  if (options.provider) return options.provider;
  // Nobody to ask: keep what .env says (Claude when it says nothing).
  if (options.json || !canPrompt()) return undefined;
  const name = PROVIDER.name;
  const current = readEnvValue(readEnv(root), PROVIDER.envKey) ?? 'claude';
  // Enter keeps what is set: running apply again to sign in must not switch providers.
  return choose(
    'Which provider should NanoClaw use by default?',
    [
      {
        value: 'claude',
        name: current === 'claude' ? 'Keep Claude' : 'Switch back to Claude',
      },
      {
        value: name,
        name: current === name ? `Keep ${name}` : `Make ${name} the default`,
      },
    ],
    current === name ? name : 'claude',
  );
}

/** Set the provider line in .env (recording the old one once) and sync data/env/env. */
function setProvider(
  root: string,
  memory: SkillMemory,
  provider: string | undefined,
): string {
  const key = PROVIDER.envKey;
  const text = readEnv(root);
  const current = readEnvValue(text, key);
  if (memory.get('previousProvider') === undefined) {
    memory.set('previousProvider', findEnvLine(text, key));
    memory.set(
      'createdEnvFile',
      memory.get<boolean>('createdEnvFile') ??
        !fs.existsSync(envPaths(root).envFile),
    );
  }
  if (
    provider === undefined ||
    (provider === 'claude' && (current === null || current === 'claude'))
  ) {
    return `default stays ${current ?? 'claude'} (.env unchanged)`;
  }
  writeEnvAndSync(root, setEnvLine(text, key, `${key}=${provider}`));
  return `${key}=${provider} in .env, synced to data/env/env`;
}

/** The provider is the default, yet nothing could sign it in: every message would fail. */
function warnIfActiveWithoutSignIn(
  { root, reporter, result }: SetupContext,
  provider: string,
  signedIn: SignInResult,
): void {
  const name = PROVIDER.name;
  if (provider !== name || signedIn.signedIn) return;
  const tokens = inspectTokens(root, resolveTokenLocation(root));
  if (tokens.present) return;
  const warning = `${name} is the default provider but you are not signed in: every message will fail until you run \`${setupCommand(AUTH_STEP)}\` in ${root}.`;
  reporter.warn(warning);
  result.warnings.push(warning);
}

/** apply's setup: sign-in, model, provider, caches, restart. Ctrl-C keeps the installation. */
export async function finishApply(ctx: SetupContext): Promise<void> {
  try {
    await setUp(ctx, codexOptions(ctx.options));
  } catch (err) {
    if (!(err instanceof CancelledError)) throw err;
    const { root, manifest } = ctx;
    throw new CancelledError(
      `Cancelled; ${manifest.name} stays installed and built, the rest of the setup was not done.`,
      `Run \`apply-skill ${manifest.name} --target ${root}\` again to finish it (sign-in, model, provider, restart).`,
    );
  }
}

async function setUp(ctx: SetupContext, options: CodexOptions): Promise<void> {
  const { root, reporter, result } = ctx;
  const signedIn = await signIn(ctx, options);
  await chooseModel(ctx, options, signedIn);
  const chosen = await chooseProvider(root, options);
  await reporter.softStep('Set provider', async () =>
    setProvider(root, ctx.memory, chosen),
  );
  const provider = readEnvValue(readEnv(root), PROVIDER.envKey) ?? 'claude';
  warnIfActiveWithoutSignIn(ctx, provider, signedIn);
  if (signedIn.signedIn) await liveCheck(ctx);
  await reporter.softStep(
    'Clear agent-runner caches',
    async () => `${clearAgentRunnerCaches(root)} cleared`,
  );
  await restartService(ctx);
  const name = PROVIDER.name;
  result.next.push(
    provider === name
      ? `Send NanoClaw a test message; the log shows "Using ${name} provider" when ${name} answers.`
      : `To switch to ${name} later: set ${PROVIDER.envKey}=${name} in .env, copy .env to data/env/env, restart.`,
  );
}

interface Recorded {
  previousProvider?: string | null;
  previousEnv?: Record<string, string | null>;
  createdEnvFile?: boolean;
}

function recorded(memory: SkillMemory): Recorded {
  return {
    previousProvider: memory.get('previousProvider'),
    previousEnv: memory.get('previousEnv'),
    createdEnvFile: memory.get('createdEnvFile'),
  };
}

/** The provider line as it was before apply (undefined: leave it), or null to drop ours. */
function providerLineToRestore(
  text: string,
  recorded: Recorded,
): string | null | undefined {
  const current = readEnvValue(text, PROVIDER.envKey);
  if (recorded.previousProvider === undefined && current !== PROVIDER.name)
    return undefined;
  return recorded.previousProvider ?? null;
}

/** Put the provider line and every other line apply set back as they were. */
function restoreEnv(root: string, recorded: Recorded): string {
  const key = PROVIDER.envKey;
  const text = readEnv(root);
  const lines = new Map(Object.entries(recorded.previousEnv ?? {}));
  const providerLine = providerLineToRestore(text, recorded);
  if (providerLine !== undefined) lines.set(key, providerLine);
  let restored = text;
  for (const [name, line] of lines) {
    restored = setEnvLine(restored, name, line);
  }
  if (restored === text) return '.env unchanged';
  if (restored === '' && recorded.createdEnvFile) {
    // apply created .env for its own lines alone: take it and its copy away again.
    const { envFile, containerEnvFile } = envPaths(root);
    fs.rmSync(envFile, { force: true });
    fs.rmSync(containerEnvFile, { force: true });
    pruneEmptyDirs(root, path.relative(root, path.dirname(containerEnvFile)));
    return `removed .env (it held only ${[...lines.keys()].join(', ')})`;
  }
  writeEnvAndSync(root, restored);
  return [...lines]
    .map(([name, line]) =>
      line ? `restored ${line}` : `removed ${name} from .env`,
    )
    .join(', ');
}

/** Delete the sign-in, wherever it lies (and its old copy inside the checkout). */
function purgeTokens(root: string): string {
  const { file, legacyFile } = resolveTokenLocation(root);
  const deleted = [file, legacyFile]
    .filter((tokens): tokens is string => Boolean(tokens))
    .filter((tokens) => {
      const existed = fs.existsSync(tokens);
      fs.rmSync(tokens, { force: true });
      fs.rmSync(`${tokens}.lock`, { force: true, recursive: true });
      return existed;
    });
  return deleted.length ? `deleted ${deleted.join(', ')}` : 'none saved';
}

/** remove's setup: .env as it was, the tokens if asked, caches, restart. */
export async function finishRemove(ctx: SetupContext): Promise<void> {
  const { root, reporter, result } = ctx;
  const options = codexOptions(ctx.options);
  const name = PROVIDER.name;
  result.next.push(
    `A group whose last conversation ran on ${name} keeps a session id starting with "${name}:"; clear that group's session in NanoClaw before Claude answers there, or Claude is asked to resume a conversation it never had.`,
  );
  const before = recorded(ctx.memory);
  await reporter.softStep('Restore provider', async () =>
    restoreEnv(root, before),
  );
  const { file } = resolveTokenLocation(root);
  if (options.purgeTokens) {
    await reporter.softStep('Delete tokens', async () => purgeTokens(root));
  } else if (fs.existsSync(file)) {
    result.next.push(
      `Your sign-in tokens are kept in ${file} (remove-skill --purge-tokens deletes them).`,
    );
  }
  await reporter.softStep(
    'Clear agent-runner caches',
    async () => `${clearAgentRunnerCaches(root)} cleared`,
  );
  await restartService(ctx);
}
