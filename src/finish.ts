/**
 * What runs after the files are in place and the build is validated: sign-in,
 * provider choice, .env, caches and the service. None of it undoes the
 * installation when it fails; each failure says how to finish by hand.
 */
import fs from 'node:fs';
import path from 'node:path';

import type { ApplyOptions } from './apply.js';
import { pruneEmptyDirs } from './fs-util.js';
import type { SkillManifest } from './manifest.js';
import { canPrompt, choose, confirm } from './prompt.js';
import type { RemoveOptions } from './remove.js';
import type { Reporter } from './reporter.js';
import type { RunResult } from './result.js';
import { readState, writeState, type SkillState } from './state.js';
import { runAuthStep } from './steps/auth.js';
import { clearAgentRunnerCaches } from './steps/caches.js';
import {
  envPaths,
  findEnvLine,
  readEnv,
  readEnvValue,
  setEnvLine,
  writeEnvAndSync,
} from './steps/env-file.js';
import { detectService, restartService } from './steps/service.js';

const SETUP_COMMAND = (step: string) => `npx tsx setup/index.ts --step ${step}`;

async function signIn(
  root: string,
  manifest: SkillManifest,
  options: ApplyOptions,
  reporter: Reporter,
  result: RunResult,
): Promise<void> {
  const step = manifest.authStep;
  if (!step) return;
  const retry = `sign in later with \`${SETUP_COMMAND(step)}\` in ${root}, or run \`apply-skill ${manifest.name}\` again`;
  if (options.skipAuth) {
    reporter.skip('Sign in', '--skip-auth');
    result.next.push(`Sign in: ${retry}.`);
    return;
  }
  if (!options.auth && (!canPrompt() || options.json)) {
    reporter.skip('Sign in', 'no terminal to sign in from');
    result.next.push(`Sign in: ${retry}.`);
    return;
  }
  const echo = (line: string) => reporter.info(`  ${line}`);
  const run = (reauth: boolean) =>
    runAuthStep(root, {
      step,
      reauth,
      deviceAuth: options.deviceAuth,
      browser: options.browser,
      echo,
    });
  reporter.info(
    options.browser === false
      ? 'Sign in with your ChatGPT account: open the link below in any browser, then paste the final redirect URL here if asked.'
      : 'Sign in with your ChatGPT account: your browser opens the link below (if it does not, open it yourself).',
  );
  let outcome = await run(Boolean(options.reauth));
  if (
    outcome.status === 'already_authenticated' &&
    !options.reauth &&
    !options.yes
  ) {
    const keep = await confirm('Codex tokens already exist. Keep them?', true);
    if (!keep) outcome = await run(true);
  }
  if (outcome.status === 'failed') {
    reporter.steps.push({
      name: 'Sign in',
      status: 'warning',
      detail: outcome.error,
      ms: 0,
    });
    reporter.warn(
      `Sign-in failed: ${outcome.error}. The installation is kept; ${retry}.`,
    );
    result.next.push(`Sign in: ${retry}.`);
    return;
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
}

async function chooseProvider(
  manifest: SkillManifest,
  options: ApplyOptions,
): Promise<string | undefined> {
  if (!manifest.provider) return undefined;
  if (options.provider) return options.provider;
  // Nobody to ask: keep what .env says (Claude when it says nothing).
  if (options.json || !canPrompt()) return undefined;
  return choose(
    'Which provider should NanoClaw use by default?',
    [
      { value: 'claude', name: 'Keep Claude as the default (recommended)' },
      {
        value: manifest.provider.name,
        name: `Make ${manifest.provider.name} the default`,
      },
    ],
    'claude',
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
      createdEnvFile: !fs.existsSync(envPaths(root).envFile),
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

export async function finishApply(
  root: string,
  manifest: SkillManifest,
  options: ApplyOptions,
  reporter: Reporter,
  result: RunResult,
): Promise<void> {
  await signIn(root, manifest, options, reporter, result);
  const chosen = await chooseProvider(manifest, options);
  if (manifest.provider) {
    await reporter.softStep('Set provider', async () =>
      setProvider(root, manifest, chosen),
    );
  }
  const provider = manifest.provider
    ? (readEnvValue(readEnv(root), manifest.provider.envKey) ?? 'claude')
    : undefined;
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

/** Put the provider line back as it was before apply (or drop ours). */
function restoreProvider(
  root: string,
  manifest: SkillManifest,
  recorded: Pick<SkillState, 'previousProvider' | 'createdEnvFile'>,
): string {
  const previous = recorded.previousProvider;
  const key = manifest.provider!.envKey;
  const text = readEnv(root);
  const current = readEnvValue(text, key);
  if (previous === undefined && current !== manifest.provider!.name)
    return '.env unchanged';
  const restored = setEnvLine(text, key, previous ?? null);
  if (restored === text) return '.env unchanged';
  if (restored === '' && recorded.createdEnvFile) {
    // apply created .env for this line alone: take it and its copy away again.
    const { envFile, containerEnvFile } = envPaths(root);
    fs.rmSync(envFile, { force: true });
    fs.rmSync(containerEnvFile, { force: true });
    pruneEmptyDirs(root, path.relative(root, path.dirname(containerEnvFile)));
    return `removed .env (it held only ${key})`;
  }
  writeEnvAndSync(root, restored);
  return previous ? `restored ${previous}` : `removed ${key} from .env`;
}

export async function finishRemove(
  root: string,
  manifest: SkillManifest,
  options: RemoveOptions,
  recorded: Pick<SkillState, 'previousProvider' | 'createdEnvFile'>,
  reporter: Reporter,
  result: RunResult,
): Promise<void> {
  if (manifest.provider) {
    const name = manifest.provider.name;
    result.next.push(
      `A group whose last conversation ran on ${name} keeps a session id starting with "${name}:"; clear that group's session in NanoClaw before Claude answers there, or Claude is asked to resume a conversation it never had.`,
    );
    await reporter.softStep('Restore provider', async () =>
      restoreProvider(root, manifest, recorded),
    );
    const tokens = path.join(root, manifest.provider.tokenFile);
    if (options.purgeTokens) {
      await reporter.softStep('Delete tokens', async () => {
        const existed = fs.existsSync(tokens);
        fs.rmSync(tokens, { force: true });
        fs.rmSync(`${tokens}.lock`, { force: true });
        return existed
          ? `deleted ${manifest.provider!.tokenFile}`
          : 'none saved';
      });
    } else if (fs.existsSync(tokens)) {
      result.next.push(
        `Your sign-in tokens are kept in ${tokens} (remove-skill --purge-tokens deletes them).`,
      );
    }
  }
  await reporter.softStep(
    'Clear agent-runner caches',
    async () => `${clearAgentRunnerCaches(root)} cleared`,
  );
  await restart(options, reporter, result);
}
