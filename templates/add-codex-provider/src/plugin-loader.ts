/**
 * Discovers provider plugins in plugins/<name>/ and loads their host module.
 *
 * Compiled (npm start): loads dist/plugins/<name>/host.js, built by
 * tsconfig.plugins.json. Under tsx (npm run dev): loads plugins/<name>/host.ts.
 * A stray plugins/<name>/host.js (left by a failed tsc) is never loaded.
 *
 * NanoClaw releases that keep every secret out of containers also start the
 * active plugin (loadPlugins({ containerRelay })), add its docker arguments to
 * each container run (providerContainerArgs) and release them when the
 * container exits (releaseProviderContainer).
 */
import fs from 'fs';
import path from 'path';
import { fileURLToPath, pathToFileURL } from 'url';

import { AGENT_PROVIDER, DATA_DIR } from './config.js';
import { readEnvFile } from './env.js';
import { logger } from './logger.js';
import type {
  ProviderPlugin,
  ProviderPluginModule,
} from './provider-plugin.js';

interface LoadedPlugin {
  plugin: ProviderPlugin;
  dir: string;
}

const loaded = new Map<string, LoadedPlugin>();
/** Plugins whose start() succeeded, for stopPlugins(). */
const started = new Set<ProviderPlugin>();

const thisFile = fileURLToPath(import.meta.url);
// This file lives in src/ (tsx) or dist/ (compiled): the project root is one up.
const projectRoot = path.resolve(path.dirname(thisFile), '..');
const runningFromSource = thisFile.endsWith('.ts');

function hostModulePath(name: string): string {
  return runningFromSource
    ? path.join(projectRoot, 'plugins', name, 'host.ts')
    : path.join(projectRoot, 'dist', 'plugins', name, 'host.js');
}

function discoverPluginNames(): string[] {
  const pluginsDir = path.join(projectRoot, 'plugins');
  if (!fs.existsSync(pluginsDir)) return [];
  return fs
    .readdirSync(pluginsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .filter((entry) =>
      fs.existsSync(path.join(pluginsDir, entry.name, 'host.ts')),
    )
    .map((entry) => entry.name)
    .sort();
}

async function loadPlugin(name: string): Promise<void> {
  const modulePath = hostModulePath(name);
  if (!fs.existsSync(modulePath)) {
    logger.error(
      { plugin: name, expected: modulePath },
      'Plugin is not built: run npm run build',
    );
    return;
  }
  try {
    const mod = (await import(
      pathToFileURL(modulePath).href
    )) as ProviderPluginModule;
    const plugin = await mod.createPlugin({
      projectRoot,
      dataDir: DATA_DIR,
      logger,
      readEnv: readEnvFile,
    });
    loaded.set(plugin.name, {
      plugin,
      dir: path.join(projectRoot, 'plugins', name),
    });
    logger.info({ plugin: plugin.name }, 'Plugin loaded');
  } catch (err) {
    logger.error({ plugin: name, err }, 'Failed to load plugin');
  }
}

export interface LoadPluginsOptions {
  /**
   * Containers get no secrets (credential proxy or OneCLI releases): start the
   * active plugin, so whatever serves its containers runs before any of them.
   * bindHost is where NanoClaw's credential proxy binds (PROXY_BIND_HOST).
   */
  containerRelay?: { bindHost?: string };
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Start the active plugin; a failure is logged, and the plugin reports it per run. */
async function startActivePlugin(bindHost: string | undefined): Promise<void> {
  const plugin = getActivePlugin();
  if (!plugin?.start || started.has(plugin)) return;
  try {
    await plugin.start({ bindHost });
    started.add(plugin);
  } catch (err) {
    logger.error(
      { plugin: plugin.name, reason: errorMessage(err) },
      `Plugin ${plugin.name} could not start: ${errorMessage(err)}`,
    );
  }
}

/** Load every plugin once; a broken plugin is logged and skipped. */
export async function loadPlugins(
  options: LoadPluginsOptions = {},
): Promise<void> {
  for (const name of discoverPluginNames()) {
    if (!loaded.has(name)) await loadPlugin(name);
  }
  if (AGENT_PROVIDER !== 'claude') {
    if (loaded.has(AGENT_PROVIDER)) {
      logger.info(`Using ${AGENT_PROVIDER} provider`);
    } else {
      logger.error(
        { provider: AGENT_PROVIDER, loaded: [...loaded.keys()] },
        'AGENT_PROVIDER names a plugin that is not loaded',
      );
    }
  }
  if (options.containerRelay) {
    await startActivePlugin(options.containerRelay.bindHost);
  }
}

/** Stop every started plugin (on shutdown). */
export async function stopPlugins(): Promise<void> {
  for (const plugin of [...started]) {
    started.delete(plugin);
    try {
      await plugin.stop?.();
    } catch (err) {
      logger.warn(
        { plugin: plugin.name, reason: errorMessage(err) },
        'Plugin did not stop cleanly',
      );
    }
  }
}

/** The plugin selected by AGENT_PROVIDER, or undefined for Claude. */
export function getActivePlugin(): ProviderPlugin | undefined {
  if (AGENT_PROVIDER === 'claude') return undefined;
  return loaded.get(AGENT_PROVIDER)?.plugin;
}

/**
 * The active plugin's `docker run` arguments for this container; [] for Claude
 * or a plugin without any. Synchronous, as buildContainerArgs is in some releases.
 */
export function providerContainerArgs(containerName: string): string[] {
  const plugin = getActivePlugin();
  if (!plugin?.containerArgs) return [];
  try {
    return plugin.containerArgs(containerName);
  } catch (err) {
    // The run goes on without them; the container then says what it lacks.
    logger.error(
      { plugin: plugin.name, containerName, reason: errorMessage(err) },
      'Plugin could not prepare the container arguments',
    );
    return [];
  }
}

/** The container exited: the active plugin revokes what it granted that run. */
export function releaseProviderContainer(containerName: string): void {
  const plugin = getActivePlugin();
  try {
    plugin?.releaseContainer?.(containerName);
  } catch (err) {
    logger.warn(
      { plugin: plugin?.name, containerName, reason: errorMessage(err) },
      'Plugin could not release the container',
    );
  }
}

/** Copy a folder's contents into `target`, replacing what each entry held there. */
function copyFresh(source: string, target: string): void {
  fs.mkdirSync(target, { recursive: true });
  for (const entry of fs.readdirSync(source, { withFileTypes: true })) {
    const from = path.join(source, entry.name);
    const to = path.join(target, entry.name);
    // Removed first, so a module the plugin dropped does not linger and compile.
    fs.rmSync(to, { recursive: true, force: true });
    if (entry.isDirectory()) copyFresh(from, to);
    else fs.copyFileSync(from, to);
  }
}

/**
 * Copy the active plugin's container-side folder into a group's agent-runner
 * folder, fresh on every run, so the container routes to it: the folder's top
 * holds the entry provider-<name>.ts, the rest are the modules it imports.
 */
export function copyContainerProvider(agentRunnerDir: string): void {
  if (AGENT_PROVIDER === 'claude') return;
  const active = loaded.get(AGENT_PROVIDER);
  if (!active) return;
  const source = path.join(active.dir, active.plugin.containerProvider);
  const entry = `provider-${active.plugin.name}.ts`;
  if (!fs.existsSync(path.join(source, entry))) {
    throw new Error(
      `Plugin ${active.plugin.name}: ${path.join(source, entry)} is missing (containerProvider must name a folder holding it)`,
    );
  }
  copyFresh(source, agentRunnerDir);
}
