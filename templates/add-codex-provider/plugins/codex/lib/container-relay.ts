/**
 * The plugin for NanoClaw releases that keep every secret out of containers
 * (a credential proxy or a OneCLI gateway on the host): it runs the Codex
 * relay (relay.ts) and gives each container run, as docker arguments, the
 * relay's address, a key of the run's own and the model settings. No token.
 *
 * NanoClaw builds the docker arguments synchronously, but the model and effort
 * come from the backend's catalog: the last resolution is kept, made when the
 * relay starts and again after each container run. Until there is one, the
 * settings pass as written and the container asks the catalog through the relay.
 */
import type { CodexCredentials } from '../container/provider-codex/identity.js';
import type { PluginContext } from '../types.js';
import type { RunModel } from './models.js';
import { createRelay, type CodexRelay } from './relay.js';
import {
  CONTAINER_HOST_GATEWAY,
  relayBindHost,
  relayPort,
} from './relay-config.js';
import { readSettings, responsesUrl } from './settings.js';

export type RunResolution = RunModel | { error: string };

export interface ContainerRelayOptions {
  context: PluginContext;
  credentials(): Promise<CodexCredentials>;
  /** The model and effort for the next runs; undefined without a sign-in. Never rejects. */
  resolveRun(): Promise<RunResolution | undefined>;
}

export interface ContainerRelay {
  /**
   * True once start() was called, and for good: this NanoClaw passes no secrets
   * to containers, so getSecrets() must never hand out a token again.
   */
  readonly active: boolean;
  start(options?: { bindHost?: string }): Promise<void>;
  stop(): Promise<void>;
  containerArgs(containerName: string): string[];
  releaseContainer(containerName: string): void;
}

const env = (name: string, value: string) => ['-e', `${name}=${value}`];

export function createContainerRelay(
  options: ContainerRelayOptions,
): ContainerRelay {
  const { context } = options;
  const relay: CodexRelay = createRelay({
    logger: context.logger,
    credentials: options.credentials,
    responsesUrl: () => responsesUrl(readSettings(context.readEnv)),
  });
  let relayMode = false;
  /** Why the relay is not listening, once start() failed. */
  let startProblem: string | undefined;
  let last: RunResolution | undefined;
  let refreshing: Promise<void> | undefined;
  let again = false;

  /** One resolution at a time; a request meanwhile runs once more after it. */
  function refresh(): Promise<void> {
    if (refreshing) {
      again = true;
      return refreshing;
    }
    refreshing = (async () => {
      do {
        again = false;
        last = await options.resolveRun();
      } while (again && relay.port !== undefined);
    })().finally(() => (refreshing = undefined));
    return refreshing;
  }

  function asWritten(): RunResolution {
    const settings = readSettings(context.readEnv);
    return {
      model: settings.model,
      pinned: Boolean(settings.model),
      effort: settings.effort,
    };
  }

  return {
    get active() {
      return relayMode;
    },

    async start(startOptions = {}) {
      if (relay.port !== undefined) return; // already listening
      relayMode = true;
      startProblem = undefined;
      try {
        const host = relayBindHost(startOptions.bindHost);
        const port = await relay.listen(host, relayPort(context.readEnv));
        context.logger.info(
          { plugin: 'codex', host, port },
          'Codex relay listening: containers get no Codex token',
        );
      } catch (err) {
        startProblem = err instanceof Error ? err.message : String(err);
        throw err;
      }
      await refresh();
    },

    async stop() {
      await relay.close();
      await refreshing;
    },

    containerArgs(containerName) {
      if (!relayMode) return [];
      if (startProblem || relay.port === undefined) {
        return env(
          'CODEX_CONFIG_ERROR',
          `The Codex relay on the NanoClaw host is not running (${startProblem ?? 'stopped'}). Fix it and restart NanoClaw.`,
        );
      }
      const run = last ?? asWritten();
      if ('error' in run) return env('CODEX_CONFIG_ERROR', run.error);
      const { clientVersion } = readSettings(context.readEnv);
      return [
        ...env(
          'CODEX_RELAY_URL',
          `http://${CONTAINER_HOST_GATEWAY}:${relay.port}`,
        ),
        ...env('CODEX_RELAY_KEY', relay.issueKey(containerName)),
        ...env('CODEX_MODEL', run.model),
        ...env('CODEX_MODEL_PINNED', run.pinned ? '1' : '0'),
        ...env('CODEX_REASONING_EFFORT', run.effort),
        ...(clientVersion ? env('CODEX_CLIENT_VERSION', clientVersion) : []),
      ];
    },

    releaseContainer(containerName) {
      relay.revokeKey(containerName);
      // The next run starts from a fresh catalog and .env, as with stdin secrets.
      if (relay.port !== undefined) void refresh();
    },
  };
}
