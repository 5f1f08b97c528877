import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

import { loadCodemods } from '../engine/codemod-loader.js';
import { inspectSkill } from './status.js';
import type { SkillManifest } from '../engine/manifest.js';
import { runLiveCheck } from '../../skills/add-codex-provider/auth-step.js';
import { agentRunnerCaches } from '../steps/caches.js';
import { containerEnvInSync, readEnv, readEnvValue } from '../steps/env-file.js';

export interface Finding {
  check: string;
  ok: boolean;
  /** What a passing check measured, e.g. the live check's model and latency. */
  detail?: string;
  problem?: string;
  fix?: string;
}

const CONTAINER_ROUTING = 'add-provider-routing-container';

function portBusy(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) =>
      resolve(err.code === 'EADDRINUSE'),
    );
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
}

function check(
  name: string,
  problem: string | undefined,
  fix: string,
): Finding {
  return problem
    ? { check: name, ok: false, problem, fix }
    : { check: name, ok: true };
}

/** Cached agent runners that disagree with the skill being applied or not. */
async function staleCaches(
  root: string,
  manifest: SkillManifest,
  applied: boolean,
): Promise<string[]> {
  const routing = (await loadCodemods(manifest.name, [CONTAINER_ROUTING]))[
    CONTAINER_ROUTING
  ];
  return agentRunnerCaches(root).filter((dir) => {
    const index = path.join(dir, 'index.ts');
    if (!fs.existsSync(index)) return false;
    const routed = routing.isApplied(
      fs.readFileSync(index, 'utf8'),
      'container/agent-runner/src/index.ts',
    );
    return routed !== applied;
  });
}

/** Sign in to the backend with the stored tokens and stream one answer. */
async function liveFinding(
  root: string,
  manifest: SkillManifest,
): Promise<Finding> {
  const name = 'Live check (model catalog and one streamed answer)';
  if (!manifest.authStep)
    return { check: name, ok: true, detail: 'nothing to check' };
  const live = await runLiveCheck(root, manifest.authStep);
  return live.ok
    ? {
        check: name,
        ok: true,
        detail: `${live.model} answered, first token after ${live.firstTokenMs} ms`,
      }
    : {
        check: name,
        ok: false,
        problem: live.error ?? 'failed',
        fix:
          live.fix ??
          `npx tsx setup/index.ts --step ${manifest.authStep} --check`,
      };
}

/** The troubleshooting list of the codex recipe, as checks that each print their fix. */
export async function runDoctor(
  root: string,
  manifest: SkillManifest,
  options: { live?: boolean } = {},
): Promise<Finding[]> {
  const status = await inspectSkill(root, manifest);
  const provider = manifest.provider!;
  const env = readEnv(root);
  const active = readEnvValue(env, provider.envKey) ?? 'claude';
  const port = Number(process.env.CODEX_OAUTH_PORT ?? 1455);
  const bad = status.edits.filter((edit) => edit.state !== 'applied');
  const findings: Finding[] = [
    check(
      'Skill edits',
      status.applied && bad.length > 0
        ? `${bad.length} edit(s) missing or drifted: ${bad.map((e) => `${e.codemod} in ${e.file}`).join(', ')}`
        : undefined,
      `apply-skill ${manifest.name} --target ${root}`,
    ),
    check(
      'Provider',
      active === provider.name && !status.applied
        ? `${provider.envKey}=${active} in .env, but the ${manifest.name} skill is not applied`
        : undefined,
      `apply-skill ${manifest.name}, or set ${provider.envKey}=claude in .env`,
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
      status.applied &&
        !status.tokens?.present &&
        !status.tokens?.insideCheckout
        ? `no ${status.tokens?.file ?? provider.tokenFile}`
        : undefined,
      `npx tsx setup/index.ts --step ${manifest.authStep}`,
    ),
    check(
      "Sign-in out of the agent's reach",
      status.tokens?.insideCheckout
        ? `${status.tokens.insideCheckout} lies inside the checkout, which the main group's container mounts: its agent can read the refresh token`
        : undefined,
      `npx tsx setup/index.ts --step ${manifest.authStep} --no-check (moves the tokens to ${status.tokens?.file ?? provider.tokenFile})`,
    ),
    check(
      'Agent-runner caches',
      ((stale) =>
        stale.length
          ? `stale copies: ${stale.map((d) => path.relative(root, d)).join(', ')}`
          : undefined)(await staleCaches(root, manifest, status.applied)),
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
  if (status.applied) findings.push(...buildChecks(root, manifest));
  if (options.live && status.applied) {
    findings.push(await liveFinding(root, manifest));
  }
  return findings;
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

function buildChecks(root: string, manifest: SkillManifest): Finding[] {
  const findings: Finding[] = [];
  for (const pkg of manifest.packages) {
    const name = path.basename(pkg);
    findings.push(
      check(
        `${name} installed and built`,
        !fs.existsSync(path.join(root, 'node_modules', name))
          ? `node_modules/${name} is missing`
          : !fs.existsSync(path.join(root, pkg, 'dist', 'index.js'))
            ? `${pkg}/dist/index.js is missing`
            : undefined,
        `npm install ./${pkg} && npm --prefix ${pkg} run build`,
      ),
    );
  }
  const provider = manifest.provider!.name;
  findings.push(
    check(
      'Plugin built',
      fs.existsSync(path.join(root, 'dist', 'plugins', provider, 'host.js'))
        ? undefined
        : `dist/plugins/${provider}/host.js is missing`,
      'npm run build',
    ),
    check(
      'No stray compiled plugin files',
      ((stray) =>
        stray.length
          ? `${stray.join(', ')} exist${stray.length === 1 ? 's' : ''} (left by a failed tsc)`
          : undefined)(strayCompiledFiles(root, `plugins/${provider}`)),
      `find plugins/${provider} -name '*.js' -delete, then npm run build`,
    ),
  );
  return findings;
}
