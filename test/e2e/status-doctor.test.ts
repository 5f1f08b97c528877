/**
 * skill-status and skill-doctor on real targets: a fresh sample, one applied
 * for real (installed, built with the memoised tsc of test/helpers/tsc-memo.cjs,
 * signed in with a made-up token file), and that
 * one broken in each way the doctor knows, one at a time.
 *
 * What "healthy" means here: applied, installed, built and signed in. Then every
 * check passes and the doctor exits 0. Right after `apply-skill --skip-auth` the
 * sign-in check fails on purpose (exit 1): it is the reminder to sign in.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { FILES_ONLY, runCli as runCliAnywhere } from '../helpers/cli.js';
import {
  startFakeResponsesServer,
  textReply,
  type FakeResponsesServer,
} from '../helpers/fake-responses-server.js';
import {
  BASE_SAMPLE_DIR,
  createSampleCopy,
  tokenFileFor,
  type SampleCopy,
} from '../helpers/sample.js';
import { freePort } from '../helpers/fake-browser.js';

const SKILL = 'add-codex-provider';
/** Where earlier versions kept the tokens: inside the checkout, in the agent's reach. */
const LEGACY_TOKEN_FILE = 'data/codex-tokens.json';
/** Shaped like codex-oauth's token store; every value is made up. */
const TOKENS = {
  accessToken: 'fake-access-token-for-tests',
  refreshToken: 'fake-refresh-token-for-tests',
  accountId: 'acct-test-0123456789',
  expiresAt: Date.parse('2031-05-04T03:02:01.000Z'),
  updatedAt: Date.parse('2031-05-04T02:02:01.000Z'),
};
const EDITS = [
  ['add-agent-provider-config', 'src/config.ts'],
  ['add-provider-routing-host', 'src/container-runner.ts'],
  ['add-plugin-loading', 'src/index.ts'],
  ['add-provider-routing-container', 'container/agent-runner/src/index.ts'],
  ['add-codex-auth-setup-step', 'setup/index.ts'],
  ['add-plugins-build', 'package.json'],
  ['add-agent-provider-test-mock', 'src/container-runner.test.ts'],
];

const copies: SampleCopy[] = [];
afterAll(async () => {
  await Promise.all(copies.map((copy) => copy.cleanup()));
});

async function copyOf(install = false): Promise<string> {
  const copy = await createSampleCopy('base', { install, memoTsc: true });
  copies.push(copy);
  return copy.dir;
}

const file = (target: string, rel: string) => path.join(target, rel);
const read = (target: string, rel: string) =>
  fs.readFileSync(file(target, rel), 'utf8');
function write(target: string, rel: string, text: string): void {
  fs.mkdirSync(path.dirname(file(target, rel)), { recursive: true });
  fs.writeFileSync(file(target, rel), text);
}
function writeTokens(target: string, tokens = TOKENS): void {
  const tokenFile = tokenFileFor(target);
  fs.mkdirSync(path.dirname(tokenFile), { recursive: true });
  fs.writeFileSync(tokenFile, JSON.stringify(tokens, null, 2) + '\n');
}

/** Each target has its own token file outside it, as ~/.config/nanoclaw is outside a checkout. */
const runCli: typeof runCliAnywhere = (name, args, options = {}) => {
  const target = args[args.indexOf('--target') + 1];
  return runCliAnywhere(name, args, {
    ...options,
    env: { ...options.env, CODEX_TOKEN_FILE: tokenFileFor(target) },
  });
};

const PLAIN = { NO_COLOR: '1' };

async function applyFilesOnly(target: string, ...extra: string[]) {
  const run = await runCli(
    'apply-skill',
    [SKILL, '--target', target, ...FILES_ONLY, ...extra],
    { env: PLAIN },
  );
  expect(run.exitCode, run.stderr).toBe(0);
}

async function status(target: string) {
  const [text, json] = await Promise.all([
    runCli('skill-status', ['--target', target], { env: PLAIN }),
    runCli('skill-status', ['--target', target, '--json'], { env: PLAIN }),
  ]);
  expect(text.exitCode, text.stderr).toBe(0);
  expect(json.exitCode, json.stderr).toBe(0);
  return { text: text.stdout, json: JSON.parse(json.stdout), raw: json.stdout };
}

interface Finding {
  check: string;
  ok: boolean;
  problem?: string;
  fix?: string;
}

async function doctor(target: string, port?: number) {
  const env = {
    ...PLAIN,
    CODEX_OAUTH_PORT: String(port ?? (await freePort())),
  };
  const [text, json] = await Promise.all([
    runCli('skill-doctor', ['--target', target], { env }),
    runCli('skill-doctor', ['--target', target, '--json'], { env }),
  ]);
  const result = JSON.parse(json.stdout) as {
    target: string;
    ok: boolean;
    findings: Finding[];
  };
  expect(text.exitCode).toBe(json.exitCode);
  return {
    exitCode: json.exitCode,
    text: text.stdout,
    result,
    failed: result.findings.filter((finding) => !finding.ok),
  };
}

/** Applied for real, with codex as the provider, then "signed in". */
let built: string;
beforeAll(async () => {
  built = await copyOf(true);
  const run = await runCli(
    'apply-skill',
    [
      SKILL,
      '--target',
      built,
      '--yes',
      '--skip-auth',
      '--no-restart',
      '--provider',
      'codex',
    ],
    { env: PLAIN },
  );
  expect(run.exitCode, run.stderr).toBe(0);
  writeTokens(built);
});

describe('skill-status', () => {
  it('on a fresh sample: not applied, Claude, no tokens', async () => {
    const target = await copyOf();
    const { text, json } = await status(target);
    expect(text).toContain(`Target: ${target}`);
    expect(text).toContain('Active provider: claude');
    expect(text).toContain(
      'NanoClaw release: NanoClaw 1.x with secrets on stdin (up to 2026-03-08) (readSecrets() in src/container-runner.ts)',
    );
    expect(text).toContain(`${SKILL}: not applied`);
    expect(text).not.toContain('Sign-in');

    const [skill] = json.skills;
    expect(skill).toMatchObject({
      skill: SKILL,
      applied: false,
      recorded: false,
      changedTemplates: [],
      tokens: { file: tokenFileFor(target), present: false },
    });
    expect(skill.edits.map((edit: { state: string }) => edit.state)).toEqual(
      EDITS.map(() => 'missing'),
    );
    expect(skill.missingTemplates).toContain('plugins/codex/host.ts');
  });

  it('after apply: every edit applied, the provider, and the sign-in with a masked account, never a token', async () => {
    const { text, json, raw } = await status(built);
    expect(text).toContain('Active provider: codex');
    expect(text).toContain(`${SKILL}: applied`);
    for (const [codemod, rel] of EDITS) {
      expect(text).toContain(`✔ ${codemod} (${rel}): applied`);
    }
    expect(text).toContain(
      `Sign-in: tokens in ${tokenFileFor(built)}, account acct…6789, access token valid until 2031-05-04T03:02:01.000Z (refreshed automatically)`,
    );
    expect(json.provider).toBe('codex');
    expect(json.skills[0]).toMatchObject({
      applied: true,
      recorded: true,
      changedTemplates: [],
      missingTemplates: [],
      tokens: {
        file: tokenFileFor(built),
        present: true,
        expiresAt: '2031-05-04T03:02:01.000Z',
        expired: false,
        account: 'acct…6789',
      },
    });
    for (const secret of [
      TOKENS.accessToken,
      TOKENS.refreshToken,
      TOKENS.accountId,
    ]) {
      expect(text).not.toContain(secret);
      expect(raw).not.toContain(secret);
    }
  });

  it('says when the access token has expired', async () => {
    const target = await copyOf();
    await applyFilesOnly(target);
    writeTokens(target, {
      ...TOKENS,
      expiresAt: Date.parse('2020-01-01T00:00:00Z'),
    });
    const { text, json } = await status(target);
    expect(text).toContain(
      'access token expired until 2020-01-01T00:00:00.000Z',
    );
    expect(json.skills[0].tokens.expired).toBe(true);
  });

  it('shows an edit the user broke as drifted, one they took out as missing', async () => {
    const target = await copyOf();
    await applyFilesOnly(target);
    // Half of add-agent-provider-config: the key is read, the export is gone.
    const config = read(target, 'src/config.ts');
    write(
      target,
      'src/config.ts',
      config.slice(0, config.indexOf('\n// Which LLM runs')) + '\n',
    );
    const mock = read(target, 'src/container-runner.test.ts');
    write(
      target,
      'src/container-runner.test.ts',
      mock.replace("  AGENT_PROVIDER: 'claude',\n", ''),
    );

    const { text, json } = await status(target);
    expect(text).toContain(
      '~ add-agent-provider-config (src/config.ts): drifted',
    );
    expect(text).toContain(
      '✖ add-agent-provider-test-mock (src/container-runner.test.ts): missing',
    );
    expect(text).toContain('✔ add-plugin-loading (src/index.ts): applied');
    const states = Object.fromEntries(
      json.skills[0].edits.map((edit: { codemod: string; state: string }) => [
        edit.codemod,
        edit.state,
      ]),
    );
    expect(states).toEqual({
      'add-agent-provider-config': 'drifted',
      'add-provider-routing-host': 'applied',
      'add-plugin-loading': 'applied',
      'add-provider-routing-container': 'applied',
      'add-codex-auth-setup-step': 'applied',
      'add-plugins-build': 'applied',
      'add-agent-provider-test-mock': 'missing',
    });
  });

  it('lists template files changed or deleted since apply', async () => {
    const target = await copyOf();
    await applyFilesOnly(target);
    fs.appendFileSync(file(target, 'plugins/codex/host.ts'), '// my tweak\n');
    fs.rmSync(file(target, 'src/plugin-loader.ts'));

    const { text, json } = await status(target);
    expect(text).toContain('~ plugins/codex/host.ts: changed since apply');
    expect(text).toContain('✖ src/plugin-loader.ts: missing');
    expect(json.skills[0].changedTemplates).toEqual(['plugins/codex/host.ts']);
    expect(json.skills[0].missingTemplates).toEqual(['src/plugin-loader.ts']);
  });

  it('--json is one document of this shape', async () => {
    const { json } = await status(built);
    expect(json).toEqual({
      target: built,
      release: {
        shape: 'stdin-secrets',
        evidence: ['readSecrets() in src/container-runner.ts'],
      },
      provider: 'codex',
      skills: [
        {
          skill: SKILL,
          applied: true,
          recorded: true,
          edits: EDITS.map(([codemod, rel]) => ({
            codemod,
            file: rel,
            state: 'applied',
          })),
          changedTemplates: [],
          missingTemplates: [],
          tokens: {
            file: tokenFileFor(built),
            present: true,
            expiresAt: expect.any(String),
            expired: false,
            account: expect.any(String),
          },
        },
        // Every skill the tool has is reported, applied or not.
        {
          skill: 'add-healthcheck',
          applied: false,
          recorded: false,
          edits: [
            {
              codemod: 'add-healthcheck-start',
              file: 'src/index.ts',
              state: 'missing',
            },
          ],
          changedTemplates: [],
          missingTemplates: ['src/healthcheck.ts'],
        },
      ],
    });
  });
});

describe('skill-doctor', () => {
  it('on a healthy target (applied, built, signed in): every check passes, exit 0', async () => {
    const port = await freePort();
    const { exitCode, text, result } = await doctor(built, port);
    expect(exitCode).toBe(0);
    expect(result.ok).toBe(true);
    expect(result.findings).toEqual(
      [
        'Skill edits',
        'Provider',
        '.env synced to data/env/env',
        'Sign-in tokens',
        "Sign-in out of the agent's reach",
        'Agent-runner caches',
        `OAuth callback port ${port}`,
        'codex-oauth installed and built',
        'Plugin built',
        'No stray compiled plugin files',
      ].map((check) => ({ check, ok: true })),
    );
    expect(text).not.toContain('✖');
    expect(text).toContain('All checks passed.');
  });

  it('on a fresh sample: nothing to complain about, and it says the skill is not applied', async () => {
    const target = await copyOf();
    const { exitCode, failed, result, text } = await doctor(target);
    expect(exitCode).toBe(0);
    expect(failed).toEqual([]);
    const notApplied = `${SKILL} is not applied here (apply-skill ${SKILL} --target ${target} applies it)`;
    expect(result.findings[0]).toEqual({
      check: 'Skill edits',
      ok: true,
      detail: notApplied,
    });
    expect(text).toContain(`✔ Skill edits: ${notApplied}\n`);
  });

  it('takes the skill name its usage line promises (skill-doctor [skill])', async () => {
    // Fails: src/inspect-cli.ts declares no positional but calls .strict(), so
    // yargs rejects "add-codex-provider" as an unknown argument (exit 2).
    const run = await runCli(
      'skill-doctor',
      [SKILL, '--target', built, '--json'],
      { env: { ...PLAIN, CODEX_OAUTH_PORT: String(await freePort()) } },
    );
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ target: built, ok: true });
  });

  it('AGENT_PROVIDER=codex without the skill: names the mismatch and the fix', async () => {
    const target = await copyOf();
    write(target, '.env', 'AGENT_PROVIDER=codex\n');
    write(target, 'data/env/env', 'AGENT_PROVIDER=codex\n');
    const { exitCode, failed } = await doctor(target);
    expect(exitCode).toBe(1);
    expect(failed).toEqual([
      {
        check: 'Provider',
        ok: false,
        problem: `AGENT_PROVIDER=codex in .env, but the ${SKILL} skill is not applied`,
        fix: `apply-skill ${SKILL}, or set AGENT_PROVIDER=claude in .env`,
      },
    ]);
  });

  it('the OAuth port in use (CODEX_OAUTH_PORT): names the port and how to find its owner', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) =>
      server.listen(0, '127.0.0.1', resolve),
    );
    const { port } = server.address() as net.AddressInfo;
    try {
      const { exitCode, failed, text } = await doctor(built, port);
      expect(exitCode).toBe(1);
      expect(failed).toEqual([
        {
          check: `OAuth callback port ${port}`,
          ok: false,
          problem: `port ${port} is in use, so the sign-in callback cannot listen`,
          fix: expect.stringContaining(`lsof -i :${port}`),
        },
      ]);
      expect(text).toContain(
        `✖ OAuth callback port ${port}: port ${port} is in use`,
      );
      expect(text).toContain('1 problem(s) found.');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  /**
   * Each breaks the healthy target in one way and puts it back, so exactly one
   * check must fail: a check that fires on another's problem fails the test.
   */
  const BREAKAGES: {
    what: string;
    check: string;
    problem: string | RegExp;
    fix: string;
    breakIt(target: string): () => void;
  }[] = [
    {
      what: 'not signed in yet (as right after --skip-auth)',
      check: 'Sign-in tokens',
      problem: 'no <token file>',
      fix: 'npx tsx setup/index.ts --step codex-auth',
      breakIt: (target) => moveAside(target, tokenFileFor(target)),
    },
    {
      what: 'tokens an older version left inside the checkout',
      check: "Sign-in out of the agent's reach",
      problem: `${LEGACY_TOKEN_FILE} lies inside the checkout, which the main group's container mounts: its agent can read the refresh token`,
      fix: 'npx tsx setup/index.ts --step codex-auth --no-check (moves the tokens to <token file>)',
      breakIt: (target) => {
        writeTokens(target);
        write(target, LEGACY_TOKEN_FILE, JSON.stringify(TOKENS));
        return () => fs.rmSync(file(target, LEGACY_TOKEN_FILE));
      },
    },
    {
      what: '.env changed but not copied to data/env/env',
      check: '.env synced to data/env/env',
      problem: 'data/env/env differs from .env (containers read data/env/env)',
      fix: 'mkdir -p data/env && cp .env data/env/env, then restart NanoClaw',
      breakIt: (target) => {
        const env = read(target, '.env');
        write(target, '.env', `${env}TZ=UTC\n`);
        return () => write(target, '.env', env);
      },
    },
    {
      what: 'a group still runs an agent runner copied before apply',
      check: 'Agent-runner caches',
      problem: 'stale copies: data/sessions/main/agent-runner-src',
      fix: 'rm -rf data/sessions/*/agent-runner-src (each group copies the current runner on its next message)',
      breakIt: (target) => {
        const sessions = file(target, 'data/sessions');
        fs.cpSync(
          path.join(BASE_SAMPLE_DIR, 'container/agent-runner/src'),
          path.join(sessions, 'main/agent-runner-src'),
          { recursive: true },
        );
        // A copy of the current runner is fine and must not be listed.
        fs.cpSync(
          file(target, 'container/agent-runner/src'),
          path.join(sessions, 'other/agent-runner-src'),
          { recursive: true },
        );
        return () => fs.rmSync(sessions, { recursive: true, force: true });
      },
    },
    {
      what: 'codex-oauth not built',
      check: 'codex-oauth installed and built',
      problem: 'packages/codex-oauth/dist/index.js is missing',
      fix: 'npm install ./packages/codex-oauth && npm --prefix packages/codex-oauth run build',
      breakIt: (target) => moveAside(target, 'packages/codex-oauth/dist'),
    },
    {
      what: 'codex-oauth not installed',
      check: 'codex-oauth installed and built',
      problem: 'node_modules/codex-oauth is missing',
      fix: 'npm install ./packages/codex-oauth && npm --prefix packages/codex-oauth run build',
      breakIt: (target) => moveAside(target, 'node_modules/codex-oauth'),
    },
    {
      what: 'the plugin not built',
      check: 'Plugin built',
      problem: 'dist/plugins/codex/host.js is missing',
      fix: 'npm run build',
      breakIt: (target) => moveAside(target, 'dist/plugins/codex/host.js'),
    },
    {
      what: 'compiled files next to the plugin sources',
      check: 'No stray compiled plugin files',
      problem: 'plugins/codex/host.js exists (left by a failed tsc)',
      fix: "find plugins/codex -name '*.js' -delete, then npm run build",
      breakIt: (target) => {
        write(target, 'plugins/codex/host.js', 'export {};\n');
        return () => fs.rmSync(file(target, 'plugins/codex/host.js'));
      },
    },
    {
      what: 'an edit taken out by hand',
      check: 'Skill edits',
      problem:
        /^1 edit\(s\) missing or drifted: add-plugin-loading in src\/index\.ts$/,
      fix: `apply-skill ${SKILL} --target `,
      breakIt: (target) => {
        const index = read(target, 'src/index.ts');
        const broken = index
          .split('\n')
          .filter((line) => !/plugin-loader|loadPlugins/.test(line))
          .join('\n');
        expect(broken).not.toBe(index);
        write(target, 'src/index.ts', broken);
        return () => write(target, 'src/index.ts', index);
      },
    },
  ];

  function moveAside(target: string, rel: string): () => void {
    const original = path.resolve(target, rel);
    const aside = `${original}.aside`;
    fs.renameSync(original, aside);
    return () => fs.renameSync(aside, original);
  }

  it.each(BREAKAGES)(
    '$what: "$check" fails with its fix, exit 1',
    async (breakage) => {
      const restore = breakage.breakIt(built);
      try {
        const { exitCode, failed, text } = await doctor(built);
        expect(exitCode).toBe(1);
        expect(failed).toHaveLength(1);
        const [finding] = failed;
        expect(finding.check).toBe(breakage.check);
        // The token file is known only once the target exists.
        const named = (text: string) =>
          text.replace('<token file>', tokenFileFor(built));
        if (typeof breakage.problem === 'string')
          expect(finding.problem).toBe(named(breakage.problem));
        else expect(finding.problem).toMatch(breakage.problem);
        expect(finding.fix).toContain(named(breakage.fix));
        expect(text).toContain(
          `✖ ${finding.check}: ${finding.problem}\n  Fix: ${finding.fix}\n`,
        );
        expect(text).toContain('1 problem(s) found.');
      } finally {
        restore();
      }
    },
  );
});

describe('skill-doctor --live', () => {
  let codex: FakeResponsesServer;
  beforeAll(async () => {
    codex = await startFakeResponsesServer();
  });
  afterAll(async () => {
    await codex?.close();
  });

  async function live(env: NodeJS.ProcessEnv) {
    const run = await runCli(
      'skill-doctor',
      [SKILL, '--target', built, '--live', '--json'],
      {
        env: {
          ...PLAIN,
          CODEX_OAUTH_PORT: String(await freePort()),
          CODEX_API_URL: codex.url,
          ...env,
        },
      },
    );
    const result = JSON.parse(run.stdout) as {
      ok: boolean;
      findings: (Finding & { detail?: string })[];
    };
    const finding = result.findings.find((f) => f.check.startsWith('Live'));
    return { exitCode: run.exitCode, finding };
  }

  it('streams one answer with the stored sign-in: the model and the time to the first token', async () => {
    codex.reply(textReply('OK'));
    const { exitCode, finding } = await live({});
    expect(exitCode).toBe(0);
    expect(finding).toMatchObject({ ok: true });
    expect(finding?.detail).toMatch(
      /^gpt-5\.6-sol answered, first token after \d+ ms$/,
    );
    const request = codex.requests.at(-1)!;
    expect(request.headers.authorization).toBe(`Bearer ${TOKENS.accessToken}`);
    expect(request.headers['user-agent']).toMatch(/^nanoclaw-codex\//);
  });

  it('a retired model pinned in .env fails with the models on offer and the fix', async () => {
    const { exitCode, finding } = await live({ CODEX_MODEL: 'gpt-5.2-codex' });
    expect(exitCode).toBe(1);
    expect(finding?.ok).toBe(false);
    expect(finding?.problem).toContain('gpt-5.2-codex');
    expect(`${finding?.problem} ${finding?.fix}`).toContain('gpt-5.6-sol');
    expect(finding?.fix).toContain('CODEX_MODEL');
  });
});
