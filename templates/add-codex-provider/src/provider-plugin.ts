/**
 * The contract between NanoClaw and an LLM provider plugin in plugins/<name>/.
 *
 * Plugins are compiled on their own (tsconfig.plugins.json, rootDir ./plugins), so
 * they cannot import from src/. Everything a plugin needs from the host is handed
 * to it in a PluginContext; TypeScript's structural typing lets the plugin declare
 * its own copy of these shapes.
 */

/** A pino-compatible logger: logger.info({ key }, 'message'). */
export interface PluginLogger {
  debug(objOrMsg: unknown, msg?: string): void;
  info(objOrMsg: unknown, msg?: string): void;
  warn(objOrMsg: unknown, msg?: string): void;
  error(objOrMsg: unknown, msg?: string): void;
}

export interface PluginContext {
  /** The NanoClaw checkout (the folder holding package.json). */
  projectRoot: string;
  /** NanoClaw's data folder (DATA_DIR), where plugins keep tokens and state. */
  dataDir: string;
  logger: PluginLogger;
  /** Reads only the given keys from the project's .env file. */
  readEnv(keys: string[]): Record<string, string>;
}

export interface ProviderSetupOptions {
  /** Print the login URL instead of opening a browser. */
  noBrowser?: boolean;
  /** Use the device-code flow instead of a browser redirect. */
  deviceAuth?: boolean;
}

export interface ProviderPlugin {
  /** The value of AGENT_PROVIDER that selects this plugin. */
  name: string;
  /** Secrets and settings passed to the container on stdin; {} when unavailable. */
  getSecrets(): Promise<Record<string, string>>;
  isAuthenticated(): Promise<boolean>;
  /** Interactive login. */
  setup(options?: ProviderSetupOptions): Promise<void>;
  /**
   * Folder inside the plugin whose contents are copied into the agent runner's
   * src folder on every run (fresh, overwriting). Its top holds the entry
   * provider-<name>.ts, which exports runProvider(containerInput); other files
   * and folders there are modules the entry imports. Node built-ins only: the
   * agent runner compiles them with its own tsconfig.
   */
  containerProvider: string;

  /*
   * NanoClaw releases that keep every secret out of containers (a credential
   * proxy or a OneCLI gateway on the host) call these instead of handing
   * getSecrets() to the container; releases that pass secrets on stdin never
   * call them. All are optional.
   */

  /**
   * Start what containers will need from the host (the Codex plugin: a relay
   * that signs each request on the host). Awaited by loadPlugins, before any
   * container runs.
   */
  start?(options: ProviderStartOptions): Promise<void>;
  /** Stop what start() started. */
  stop?(): Promise<void>;
  /**
   * Extra `docker run` arguments for one container run (e.g. `-e NAME=value`),
   * registering whatever that run may use until releaseContainer(). Synchronous:
   * some releases build the container arguments synchronously.
   */
  containerArgs?(containerName: string): string[];
  /** The container has exited: revoke what containerArgs() granted it. */
  releaseContainer?(containerName: string): void;
}

export interface ProviderStartOptions {
  /**
   * The address NanoClaw's credential proxy binds to (PROXY_BIND_HOST), where
   * the release has one; otherwise the plugin chooses the same way.
   */
  bindHost?: string;
}

/** What plugins/<name>/host.ts exports. */
export interface ProviderPluginModule {
  createPlugin(
    context: PluginContext,
  ): ProviderPlugin | Promise<ProviderPlugin>;
}
