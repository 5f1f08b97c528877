/**
 * The troubleshooting list of the Codex recipe, as checks that each print
 * their fix: the provider switch, the sign-in and where it lies, stale agent
 * runners, the OAuth callback port, the plugin build and, with --live, one
 * streamed answer.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

import {
  agentRunnerCaches,
  containerEnvInSync,
  readEnv,
  readEnvValue,
  type DoctorCheck,
  type DoctorContext,
} from '../../src/api/index.js';
import { runLiveCheck } from './auth-step.js';
import { AUTH_STEP, PROVIDER } from './codex.js';
import { resolveTokenLocation } from './token-file.js';
import { inspectTokens } from './token-status.js';

const CONTAINER_ROUTING = 'add-provider-routing-container';

/**
 * Whether something listens on the port where the sign-in callback would.
 * Asked by connecting, not by listening there for a moment: two doctors run
 * at once would otherwise each take the other's probe for a busy port.
 */
function portBusy(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    const answer = (busy: boolean) => {
      socket.destroy();
      resolve(busy);
    };
    socket.once('connect', () => answer(true));
    socket.once('error', () => answer(false));
    // Nothing answers at all (a firewall dropping loopback): not a listener.
    socket.setTimeout(2000, () => answer(false));
  });
}

const check = (
  name: string,
  problem: string | undefined,
  fix: string,
): DoctorCheck => ({ check: name, problem, fix });

/** Cached agent runners that disagree with the skill being applied or not. */
async function staleCaches(ctx: DoctorContext): Promise<string[]> {
  const cached = agentRunnerCaches(ctx.root).filter((dir) =>
    fs.existsSync(path.join(dir, 'index.ts')),
  );
  // Without caches, no codemod (and no TypeScript compiler) to load.
  if (cached.length === 0) return [];
  const routing = (await ctx.codemods([CONTAINER_ROUTING]))[CONTAINER_ROUTING];
  return cached.filter((dir) => {
    const routed = routing.isApplied(
      fs.readFileSync(path.join(dir, 'index.ts'), 'utf8'),
      'container/agent-runner/src/index.ts',
    );
    return routed !== ctx.applied;
  });
}

async function setupChecks(ctx: DoctorContext): Promise<DoctorCheck[]> {
  const { root, manifest, applied } = ctx;
  const active = readEnvValue(readEnv(root), PROVIDER.envKey) ?? 'claude';
  const tokens = inspectTokens(root, resolveTokenLocation(root));
  const port = Number(process.env.CODEX_OAUTH_PORT ?? 1455);
  const stale = await staleCaches(ctx);
  return [
    check(
      'Provider',
      active === PROVIDER.name && !applied
        ? `${PROVIDER.envKey}=${active} in .env, but the ${manifest.name} skill is not applied`
        : undefined,
      `apply-skill ${manifest.name}, or set ${PROVIDER.envKey}=claude in .env`,
    ),
    check(
      '.env synced to data/env/env',
      containerEnvInSync(root)
        ? undefined
        : 'data/env/env differs from .env (containers read data/env/env)',
      'mkdir -p data/env && cp .env data/env/env, then restart NanoClaw',
    ),
    check(
      'Sign-in tokens',
      applied && !tokens.present && !tokens.insideCheckout
        ? `no ${tokens.file}`
        : undefined,
      `npx tsx setup/index.ts --step ${AUTH_STEP}`,
    ),
    check(
      "Sign-in out of the agent's reach",
      tokens.insideCheckout
        ? `${tokens.insideCheckout} lies inside the checkout, which the main group's container mounts: its agent can read the refresh token`
        : undefined,
      `npx tsx setup/index.ts --step ${AUTH_STEP} --no-check (moves the tokens to ${tokens.file})`,
    ),
    check(
      'Agent-runner caches',
      stale.length
        ? `stale copies: ${stale.map((d) => path.relative(root, d)).join(', ')}`
        : undefined,
      'rm -rf data/sessions/*/agent-runner-src (each group copies the current runner on its next message)',
    ),
    check(
      `OAuth callback port ${port}`,
      (await portBusy(port))
        ? `port ${port} is in use, so the sign-in callback cannot listen`
        : undefined,
      `find the process with \`lsof -i :${port}\` (or \`ss -ltnp 'sport = :${port}'\`) and stop it`,
    ),
  ];
}

/** .js files among a plugin's TypeScript sources: a failed tsc emits them there. */
function strayCompiledFiles(root: string, dir: string): string[] {
  const absolute = path.join(root, dir);
  if (!fs.existsSync(absolute)) return [];
  return fs
    .readdirSync(absolute, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.js') && !file.includes('node_modules'))
    .map((file) => path.posix.join(dir, file.split(path.sep).join('/')))
    .sort();
}

function pluginChecks(root: string): DoctorCheck[] {
  const plugin = `plugins/${PROVIDER.name}`;
  const stray = strayCompiledFiles(root, plugin);
  return [
    check(
      'Plugin built',
      fs.existsSync(path.join(root, 'dist', plugin, 'host.js'))
        ? undefined
        : `dist/${plugin}/host.js is missing`,
      'npm run build',
    ),
    check(
      'No stray compiled plugin files',
      stray.length
        ? `${stray.join(', ')} exist${stray.length === 1 ? 's' : ''} (left by a failed tsc)`
        : undefined,
      `find ${plugin} -name '*.js' -delete, then npm run build`,
    ),
  ];
}

/** Sign in to the backend with the stored tokens and stream one answer. */
async function liveCheck(root: string): Promise<DoctorCheck> {
  const name = 'Live check (model catalog and one streamed answer)';
  const live = await runLiveCheck(root, AUTH_STEP);
  return live.ok
    ? {
        check: name,
        detail: `${live.model} answered, first token after ${live.firstTokenMs} ms`,
      }
    : {
        check: name,
        problem: live.error ?? 'failed',
        fix: live.fix ?? `npx tsx setup/index.ts --step ${AUTH_STEP} --check`,
      };
}

export async function doctor(ctx: DoctorContext): Promise<DoctorCheck[]> {
  const checks = await setupChecks(ctx);
  if (!ctx.applied) return checks;
  const late = pluginChecks(ctx.root);
  if (ctx.live) late.push(await liveCheck(ctx.root));
  return [...checks, ...late.map((item) => ({ ...item, afterBuild: true }))];
}
