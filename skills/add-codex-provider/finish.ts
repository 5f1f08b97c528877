/**
 * What runs after the files are in place and the build is validated: sign-in,
 * provider choice, .env, caches and the service. None of it undoes the
 * installation when it fails; each failure says how to finish by hand.
 */
import fs from 'node:fs';
import path from 'node:path';

import type { ApplyOptions } from '../../src/commands/apply.js';
import { CancelledError } from '../../src/core/errors.js';
import { pruneEmptyDirs } from '../../src/core/fs-util.js';
import { inspectTokens } from './token-status.js';
import type { SkillManifest } from '../../src/engine/manifest.js';
import { canPrompt, choose } from '../../src/core/prompt.js';
import type { RemoveOptions } from '../../src/commands/remove.js';
import type { Reporter } from '../../src/core/reporter.js';
import type { RunResult } from '../../src/engine/result.js';
import { readState, writeState, type SkillState } from '../../src/engine/state.js';
import {
  chooseModel,
  liveCheck,
  setupCommand,
  signIn,
  type SignInResult,
} from './sign-in.js';
import { clearAgentRunnerCaches } from '../../src/steps/caches.js';
import {
  envPaths,
  findEnvLine,
  readEnv,
  readEnvValue,
  setEnvLine,
  writeEnvAndSync,
} from '../../src/steps/env-file.js';
import { detectService, restartService } from '../../src/steps/service.js';
import { resolveTokenLocation } from './token-file.js';

async function chooseProvider(
  root: string,
  manifest: SkillManifest,
  options: ApplyOptions,
): Promise<string | undefined> {
  if (!manifest.provider) return undefined;
  if (options.provider) return options.provider;
  // Nobody to ask: keep what .env says (Claude when it says nothing).
  if (options.json || !canPrompt()) return undefined;
  const name = manifest.provider.name;
  const current =
    readEnvValue(readEnv(root), manifest.provider.envKey) ?? 'claude';
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
  manifest: SkillManifest,
  provider: string | undefined,
): string {
  const key = manifest.provider!.envKey;
  const text = readEnv(root);
  const current = readEnvValue(text, key);
  const state = readState(root, manifest.name);
  if (state && state.previousProvider === undefined) {
    writeState(root, {
      ...state,
      previousProvider: findEnvLine(text, key),
      createdEnvFile:
        state.createdEnvFile ?? !fs.existsSync(envPaths(root).envFile),
    });
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

async function restart(
  options: { restart?: boolean },
  reporter: Reporter,
  result: RunResult,
): Promise<void> {
  if (options.restart === false) {
    reporter.skip('Restart service', '--no-restart');
    result.next.push('Restart NanoClaw so it loads the change.');
    return;
  }
  await reporter.softStep('Restart service', async () =>
    restartService(await detectService()),
  );
}

/** The provider is the default, yet nothing could sign it in: every message would fail. */
function warnIfActiveWithoutSignIn(
  root: string,
  manifest: SkillManifest,
  provider: string | undefined,
  signedIn: SignInResult,
  reporter: Reporter,
  result: RunResult,
): void {
  const name = manifest.provider?.name;
  if (!name || provider !== name || signedIn.signedIn || !manifest.authStep)
    return;
  const tokens = inspectTokens(
    root,
    resolveTokenLocation(root, manifest.provider!),
  );
  if (tokens.present) return;
  const warning = `${name} is the default provider but you are not signed in: every message will fail until you run \`${setupCommand(manifest.authStep)}\` in ${root}.`;
  reporter.warn(warning);
  result.warnings.push(warning);
}

export async function finishApply(
  root: string,
  manifest: SkillManifest,
  options: ApplyOptions,
  reporter: Reporter,
  result: RunResult,
): Promise<void> {
  try {
    await setUp(root, manifest, options, reporter, result);
  } catch (err) {
    if (!(err instanceof CancelledError)) throw err;
    throw new CancelledError(
      `Cancelled; ${manifest.name} stays installed and built, the rest of the setup was not done.`,
      `Run \`apply-skill ${manifest.name} --target ${root}\` again to finish it (sign-in, model, provider, restart).`,
    );
  }
}

async function setUp(
  root: string,
  manifest: SkillManifest,
  options: ApplyOptions,
  reporter: Reporter,
  result: RunResult,
): Promise<void> {
  const signedIn = await signIn(root, manifest, options, reporter, result);
  await chooseModel(root, manifest, options, signedIn, reporter, result);
  const chosen = await chooseProvider(root, manifest, options);
  if (manifest.provider) {
    await reporter.softStep('Set provider', async () =>
      setProvider(root, manifest, chosen),
    );
  }
  const provider = manifest.provider
    ? (readEnvValue(readEnv(root), manifest.provider.envKey) ?? 'claude')
    : undefined;
  warnIfActiveWithoutSignIn(
    root,
    manifest,
    provider,
    signedIn,
    reporter,
    result,
  );
  if (signedIn.signedIn) await liveCheck(root, manifest, reporter, result);
  await reporter.softStep(
    'Clear agent-runner caches',
    async () => `${clearAgentRunnerCaches(root)} cleared`,
  );
  await restart(options, reporter, result);
  if (manifest.provider) {
    const name = manifest.provider.name;
    result.next.push(
      provider === name
        ? `Send NanoClaw a test message; the log shows "Using ${name} provider" when ${name} answers.`
        : `To switch to ${name} later: set ${manifest.provider.envKey}=${name} in .env, copy .env to data/env/env, restart.`,
    );
  }
}

type Recorded = Pick<
  SkillState,
  'previousProvider' | 'createdEnvFile' | 'previousEnv'
>;

/** The provider line as it was before apply (undefined: leave it), or null to drop ours. */
function providerLineToRestore(
  text: string,
  manifest: SkillManifest,
  recorded: Recorded,
): string | null | undefined {
  const current = readEnvValue(text, manifest.provider!.envKey);
  if (
    recorded.previousProvider === undefined &&
    current !== manifest.provider!.name
  )
    return undefined;
  return recorded.previousProvider ?? null;
}

/** Put the provider line and every other line apply set back as they were. */
function restoreEnv(
  root: string,
  manifest: SkillManifest,
  recorded: Recorded,
): string {
  const key = manifest.provider!.envKey;
  const text = readEnv(root);
  const lines = new Map(Object.entries(recorded.previousEnv ?? {}));
  const providerLine = providerLineToRestore(text, manifest, recorded);
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
function purgeTokens(root: string, manifest: SkillManifest): string {
  const { file, legacyFile } = resolveTokenLocation(root, manifest.provider!);
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

export async function finishRemove(
  root: string,
  manifest: SkillManifest,
  options: RemoveOptions,
  recorded: Recorded,
  reporter: Reporter,
  result: RunResult,
): Promise<void> {
  if (manifest.provider) {
    const name = manifest.provider.name;
    result.next.push(
      `A group whose last conversation ran on ${name} keeps a session id starting with "${name}:"; clear that group's session in NanoClaw before Claude answers there, or Claude is asked to resume a conversation it never had.`,
    );
    await reporter.softStep('Restore provider', async () =>
      restoreEnv(root, manifest, recorded),
    );
    const { file } = resolveTokenLocation(root, manifest.provider);
    if (options.purgeTokens) {
      await reporter.softStep('Delete tokens', async () =>
        purgeTokens(root, manifest),
      );
    } else if (fs.existsSync(file)) {
      result.next.push(
        `Your sign-in tokens are kept in ${file} (remove-skill --purge-tokens deletes them).`,
      );
    }
  }
  await reporter.softStep(
    'Clear agent-runner caches',
    async () => `${clearAgentRunnerCaches(root)} cleared`,
  );
  await restart(options, reporter, result);
}
