/**
 * Host side of the Codex provider: signs in with a ChatGPT account (codex-oauth),
 * keeps the backend's model catalog, and hands each container run a fresh access
 * token with the model and reasoning effort to use.
 *
 * The refresh token never reaches a container: the token file lives outside the
 * checkout (which the main group's container can read), and a run gets only the
 * short-lived access token and the account id. NanoClaw releases that keep every
 * secret out of containers start the plugin instead (start()): a relay on the
 * host then signs each request, and a run gets no token at all
 * (lib/container-relay.ts).
 *
 * The container side is in container/ (provider-codex.ts and provider-codex/).
 */
import { CodexAuth, CodexAuthError } from 'codex-oauth';

import {
  defaultModel,
  visibleModels,
} from './container/provider-codex/catalog.js';
import {
  clientVersion,
  type CodexCredentials,
} from './container/provider-codex/identity.js';
import {
  createContainerRelay,
  type RunResolution,
} from './lib/container-relay.js';
import { runLiveCheck, type LiveCheckResult } from './lib/live-check.js';
import {
  loadCatalog,
  resolveModel,
  type CatalogSource,
  type LoadedCatalog,
} from './lib/models.js';
import {
  readSettings,
  responsesUrl,
  SETUP_COMMAND,
  writeEnvSetting,
  type CodexSettings,
} from './lib/settings.js';
import { codexTokenFile, secureTokenFile } from './lib/token-file.js';
import type {
  PluginContext,
  PluginLogger,
  ProviderPlugin,
  ProviderSetupOptions,
} from './types.js';

/** Before every container start, so short; the Codex CLI gives its own catalog refresh 5 s. */
const RUN_CATALOG_TIMEOUT_MS = 5_000;
const SETUP_CATALOG_TIMEOUT_MS = 15_000;

export interface ModelChoices {
  /** The models a person may pick, best first. */
  models: { slug: string; displayName?: string; description?: string }[];
  /** What Codex uses with no CODEX_MODEL; '' when the list is unavailable. */
  defaultModel: string;
  /** CODEX_MODEL as set; '' lets Codex pick. */
  current: string;
  /** Why the list is missing or old, when it is. */
  problem?: string;
}

/** The plugin contract plus what the codex-auth setup step uses. */
export interface CodexPlugin extends ProviderPlugin {
  /** `refresh` asks the backend even when the cached list is fresh. */
  models(options?: { refresh?: boolean }): Promise<ModelChoices>;
  /** Check `slug` against the catalog, then set CODEX_MODEL in .env and data/env/env. */
  pinModel(slug: string): Promise<void>;
  liveCheck(): Promise<LiveCheckResult>;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** codex-oauth's messages usually say how to sign in again already. */
function withAuthHint(reason: string): string {
  return reason.includes('codex-auth')
    ? reason
    : `${reason}. Sign in again with: ${SETUP_COMMAND}`;
}

function catalogSource(
  settings: CodexSettings,
  credentials: CodexCredentials,
  timeoutMs: number,
): CatalogSource {
  return {
    responsesUrl: responsesUrl(settings),
    clientVersion: clientVersion({
      CODEX_CLIENT_VERSION: settings.clientVersion,
    }),
    credentials,
    timeoutMs,
  };
}

/** A run never waits on a catalog it cannot get: it goes on, and the log says so. */
function reportCatalog(logger: PluginLogger, loaded: LoadedCatalog): void {
  if (loaded.origin === 'none') {
    logger.warn(
      { plugin: 'codex', reason: loaded.problem },
      'Codex model list unavailable: passing CODEX_MODEL and CODEX_REASONING_EFFORT as set; the container asks the backend itself',
    );
  } else if (loaded.origin === 'stale cache') {
    logger.warn(
      { plugin: 'codex', reason: loaded.problem },
      'Codex model list could not be refreshed: using the cached one',
    );
  }
}

function secretsFor(
  settings: CodexSettings,
  credentials: CodexCredentials,
  run: { model: string; pinned: boolean; effort: string },
): Record<string, string> {
  return {
    CODEX_ACCESS_TOKEN: credentials.accessToken,
    CODEX_ACCOUNT_ID: credentials.accountId,
    CODEX_MODEL: run.model,
    CODEX_MODEL_PINNED: run.pinned ? '1' : '0',
    CODEX_REASONING_EFFORT: run.effort,
    ...(settings.apiUrl ? { CODEX_API_URL: settings.apiUrl } : {}),
    ...(settings.clientVersion
      ? { CODEX_CLIENT_VERSION: settings.clientVersion }
      : {}),
  };
}

export function createPlugin(context: PluginContext): CodexPlugin {
  const tokenFile = codexTokenFile(context);
  const auth = new CodexAuth({ tokenFile });
  const log = context.logger;
  // Every method waits for the move, so none reads a token file about to change.
  const ready = secureTokenFile(context, tokenFile);

  async function credentials(): Promise<CodexCredentials> {
    await ready;
    const tokens = await auth.getTokens();
    return { accessToken: tokens.accessToken, accountId: tokens.accountId };
  }

  function reportSignInFailure(err: unknown): void {
    const reason = errorMessage(err);
    log.error(
      { plugin: 'codex', tokenFile, reason },
      err instanceof CodexAuthError
        ? `Codex sign-in unusable: ${withAuthHint(reason)}`
        : `Could not read Codex credentials: ${reason}`,
    );
  }

  /** The model and effort a run gets, from the catalog and the settings. */
  async function resolveRun(
    settings: CodexSettings,
    signedIn: CodexCredentials,
  ): Promise<RunResolution> {
    const loaded = await loadCatalog(
      context.dataDir,
      catalogSource(settings, signedIn, RUN_CATALOG_TIMEOUT_MS),
      { pinned: settings.model || undefined },
    );
    reportCatalog(log, loaded);
    const run = resolveModel(loaded.catalog, settings);
    if ('error' in run) log.error({ plugin: 'codex' }, run.error);
    return run;
  }

  const relay = createContainerRelay({
    context,
    credentials,
    async resolveRun() {
      const settings = readSettings(context.readEnv);
      try {
        return await resolveRun(settings, await credentials());
      } catch (err) {
        reportSignInFailure(err);
        return undefined;
      }
    },
  });

  async function catalogFor(
    settings: CodexSettings,
    options: { pinned?: string; refresh?: boolean; timeoutMs: number },
  ): Promise<LoadedCatalog> {
    const source = catalogSource(
      settings,
      await credentials(),
      options.timeoutMs,
    );
    return loadCatalog(context.dataDir, source, options);
  }

  return {
    name: 'codex',
    containerProvider: 'container',

    async getSecrets(): Promise<Record<string, string>> {
      // With the relay running, containerArgs() carries the settings and no token.
      if (relay.active) return {};
      const settings = readSettings(context.readEnv);
      let signedIn: CodexCredentials;
      try {
        signedIn = await credentials();
      } catch (err) {
        reportSignInFailure(err);
        return {};
      }
      const run = await resolveRun(settings, signedIn);
      // Passed on so the chat shows the real reason, not "credentials missing".
      if ('error' in run) return { CODEX_CONFIG_ERROR: run.error };
      return secretsFor(settings, signedIn, run);
    },

    start: relay.start,
    stop: relay.stop,
    containerArgs: relay.containerArgs,
    releaseContainer: relay.releaseContainer,

    async isAuthenticated() {
      await ready;
      try {
        return (await auth.status()).loggedIn;
      } catch {
        return false;
      }
    },

    async setup(options: ProviderSetupOptions = {}) {
      await ready;
      await auth.login(options);
      const status = await auth.status();
      log.info(
        { plugin: 'codex', account: status.accountIdMasked, tokenFile },
        'Signed in to Codex',
      );
    },

    async models(options = {}) {
      const settings = readSettings(context.readEnv);
      const loaded = await catalogFor(settings, {
        pinned: settings.model || undefined,
        refresh: options.refresh,
        timeoutMs: SETUP_CATALOG_TIMEOUT_MS,
      });
      const catalog = loaded.catalog;
      return {
        models: catalog
          ? visibleModels(catalog).map(
              ({ slug, displayName, description }) => ({
                slug,
                displayName,
                description,
              }),
            )
          : [],
        defaultModel: (catalog && defaultModel(catalog)?.slug) || '',
        current: settings.model,
        problem: loaded.problem,
      };
    },

    async pinModel(slug: string) {
      const settings = readSettings(context.readEnv);
      const loaded = await catalogFor(settings, {
        pinned: slug,
        timeoutMs: SETUP_CATALOG_TIMEOUT_MS,
      });
      if (!loaded.catalog) {
        throw new Error(
          `Cannot check model "${slug}": the Codex model list is unavailable (${loaded.problem}).`,
        );
      }
      const run = resolveModel(loaded.catalog, { model: slug, effort: '' });
      if ('error' in run) throw new Error(run.error);
      writeEnvSetting(context, 'CODEX_MODEL', slug);
    },

    async liveCheck() {
      await ready;
      return runLiveCheck({
        getCredentials: credentials,
        settings: readSettings(context.readEnv),
        dataDir: context.dataDir,
      });
    },
  };
}
