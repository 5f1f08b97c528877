/**
 * The plugin contract, as this plugin sees it.
 *
 * A copy of NanoClaw's src/provider-plugin.ts: plugins are compiled with rootDir
 * ./plugins and cannot import from src/, and structural typing makes the copy
 * interchangeable with the original.
 */

/** A pino-compatible logger: logger.info({ key }, 'message'). */
export interface PluginLogger {
  debug(objOrMsg: unknown, msg?: string): void;
  info(objOrMsg: unknown, msg?: string): void;
  warn(objOrMsg: unknown, msg?: string): void;
  error(objOrMsg: unknown, msg?: string): void;
}

export interface PluginContext {
  projectRoot: string;
  dataDir: string;
  logger: PluginLogger;
  readEnv(keys: string[]): Record<string, string>;
}

export interface ProviderSetupOptions {
  noBrowser?: boolean;
  deviceAuth?: boolean;
}

export interface ProviderPlugin {
  name: string;
  getSecrets(): Promise<Record<string, string>>;
  isAuthenticated(): Promise<boolean>;
  setup(options?: ProviderSetupOptions): Promise<void>;
  /**
   * Folder in this plugin copied into the agent runner's src folder on every
   * run; its top holds provider-<name>.ts. See src/provider-plugin.ts.
   */
  containerProvider: string;
  /**
   * For NanoClaw releases that pass no secrets to containers; all optional.
   * See src/provider-plugin.ts.
   */
  start?(options: ProviderStartOptions): Promise<void>;
  stop?(): Promise<void>;
  containerArgs?(containerName: string): string[];
  releaseContainer?(containerName: string): void;
}

export interface ProviderStartOptions {
  /** Where NanoClaw's credential proxy binds (PROXY_BIND_HOST), when it has one. */
  bindHost?: string;
}
