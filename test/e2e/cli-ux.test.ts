/**
 * What a person sees at the keyboard and in a script: Ctrl-C at a question or
 * under a spinner, the provider question's default, warnings, a symlinked .env, a
 * read-only checkout, and the small usage mistakes. Every case through the built
 * CLI, and every case ends with the target exactly as the user should expect.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';

import { FILES_ONLY, runCli, TOOL_ROOT } from '../helpers/cli.js';
import { CTRL_C, ENTER, ptyAvailable, runInPty } from '../helpers/pty.js';
import {
  createSampleCopy,
  sampleEnv,
  type SampleCopy,
} from '../helpers/sample.js';

const SKILL = 'add-codex-provider';
const BIN = (name: string) =>
  path.join(TOOL_ROOT, 'dist', 'scripts', `${name}.js`);

const copies: SampleCopy[] = [];
afterAll(async () => {
  await Promise.all(copies.map((copy) => copy.cleanup()));
});

async function gitCopy(install = false): Promise<string> {
  const copy = await createSampleCopy('base', { install, git: true });
  copies.push(copy);
  return copy.dir;
}

async function gitStatus(dir: string): Promise<string> {
  const { stdout } = await execa(
    'git',
    ['status', '--porcelain', '--untracked-files=all'],
    { cwd: dir, env: sampleEnv(), extendEnv: false },
  );
  return stdout;
}

/** A terminal session: no CI variable, or the tool would never ask. */
function terminalEnv(): NodeJS.ProcessEnv {
  const env = sampleEnv();
  delete env.CI;
  return { ...env, NO_COLOR: '1' };
}

const noStack = (text: string) => {
  expect(text).not.toMatch(/ExitPromptError|\n\s+at .+:\d+:\d+/);
};

describe.skipIf(!ptyAvailable())('at the keyboard', () => {
  it('Ctrl-C at "Apply these changes?" says Cancelled, exits 130 and changes nothing', async () => {
    const target = await gitCopy();
    const run = runInPty(
      [
        'node',
        BIN('apply-skill'),
        SKILL,
        '--target',
        target,
        '--skip-install',
        '--skip-build',
        '--skip-auth',
        '--no-restart',
      ],
      { env: terminalEnv() },
    );
    await run.waitFor('Apply these changes?');
    run.type(CTRL_C);
    expect(await run.exited).toBe(130);
    expect(run.output()).toContain('Cancelled; nothing was changed.');
    noStack(run.output());
    expect(await gitStatus(target)).toBe('');
  });

  it('Ctrl-C under a spinner after --yes interrupts and rolls everything back', async () => {
    const target = await gitCopy(true);
    const run = runInPty(
      [
        'node',
        BIN('apply-skill'),
        SKILL,
        '--target',
        target,
        '--yes',
        '--skip-auth',
        '--no-restart',
      ],
      { env: terminalEnv() },
    );
    await run.waitFor(/Install local package|Build and validate/);
    run.type(CTRL_C);
    expect(await run.exited).toBe(130);
    expect(run.output()).toMatch(/Interrupted by SIGINT; rolled back/);
    noStack(run.output());
    expect(await gitStatus(target)).toBe('');
  });

  it('the provider question defaults to the current provider: Enter keeps codex', async () => {
    const target = await gitCopy();
    const first = await runCli('apply-skill', [
      SKILL,
      '--target',
      target,
      ...FILES_ONLY,
      '--provider',
      'codex',
    ]);
    expect(first.exitCode, first.stderr).toBe(0);
    const run = runInPty(
      [
        'node',
        BIN('apply-skill'),
        SKILL,
        '--target',
        target,
        '--skip-install',
        '--skip-build',
        '--skip-auth',
        '--no-restart',
      ],
      { env: terminalEnv() },
    );
    await run.waitFor('Which provider should NanoClaw use by default?');
    expect(run.output()).toContain('Keep codex');
    run.type(ENTER);
    expect(await run.exited).toBe(0);
    expect(fs.readFileSync(path.join(target, '.env'), 'utf8')).toMatch(
      /^AGENT_PROVIDER=codex$/m,
    );
  });

  it('Ctrl-C at the provider question keeps the installation and says how to finish', async () => {
    const target = await gitCopy();
    const run = runInPty(
      [
        'node',
        BIN('apply-skill'),
        SKILL,
        '--target',
        target,
        '--yes',
        '--skip-install',
        '--skip-build',
        '--skip-auth',
        '--no-restart',
      ],
      { env: terminalEnv() },
    );
    await run.waitFor('Which provider should NanoClaw use by default?');
    run.type(CTRL_C);
    expect(await run.exited).toBe(130);
    expect(run.output()).toContain(`Cancelled; ${SKILL} stays installed`);
    expect(run.output()).toContain(`apply-skill ${SKILL} --target ${target}`);
    noStack(run.output());
    const status = await runCli('skill-status', ['--target', target, '--json']);
    expect(JSON.parse(status.stdout).skills[0].applied).toBe(true);
  });
});

describe('in scripts', () => {
  it('--json --provider codex without a sign-in warns, with the command to sign in', async () => {
    const target = await gitCopy();
    const run = await runCli('apply-skill', [
      SKILL,
      '--target',
      target,
      ...FILES_ONLY,
      '--provider',
      'codex',
      '--json',
    ]);
    expect(run.exitCode, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.warnings).toEqual([
      expect.stringContaining(
        'codex is the default provider but you are not signed in',
      ),
    ]);
    expect(result.warnings[0]).toContain(
      'npx tsx setup/index.ts --step codex-auth',
    );
  });

  it('a symlinked .env is edited through the link, and remove restores it there', async () => {
    const target = await gitCopy();
    const dotfiles = fs.mkdtempSync(path.join(os.tmpdir(), 'dotfiles-'));
    const real = path.join(dotfiles, 'nanoclaw.env');
    fs.writeFileSync(real, 'ASSISTANT_NAME=Andy\n');
    fs.symlinkSync(real, path.join(target, '.env'));
    try {
      const apply = await runCli('apply-skill', [
        SKILL,
        '--target',
        target,
        ...FILES_ONLY,
        '--provider',
        'codex',
      ]);
      expect(apply.exitCode, apply.stderr).toBe(0);
      expect(fs.lstatSync(path.join(target, '.env')).isSymbolicLink()).toBe(
        true,
      );
      expect(fs.readFileSync(real, 'utf8')).toBe(
        'ASSISTANT_NAME=Andy\nAGENT_PROVIDER=codex\n',
      );
      const remove = await runCli('remove-skill', [
        SKILL,
        '--target',
        target,
        '--yes',
        '--skip-install',
        '--skip-build',
        '--no-restart',
      ]);
      expect(remove.exitCode, remove.stderr).toBe(0);
      expect(fs.lstatSync(path.join(target, '.env')).isSymbolicLink()).toBe(
        true,
      );
      expect(fs.readFileSync(real, 'utf8')).toBe('ASSISTANT_NAME=Andy\n');
    } finally {
      fs.rmSync(dotfiles, { recursive: true, force: true });
    }
  });

  const canMountReadOnly =
    spawnSync('unshare', ['-Urm', 'true'], { stdio: 'ignore' }).status === 0;

  it.skipIf(!canMountReadOnly)(
    'a read-only checkout: one clear message, one JSON document, nothing changed',
    async () => {
      const target = await gitCopy();
      // A read-only bind mount of the checkout onto itself, in a private mount namespace.
      const script = [
        `mount --bind "$1" "$1"`,
        `mount -o remount,bind,ro "$1"`,
        `shift`,
        `exec "$@"`,
      ].join(' && ');
      const result = await execa(
        'unshare',
        [
          '-Urm',
          'sh',
          '-c',
          script,
          'sh',
          target,
          process.execPath,
          BIN('apply-skill'),
          SKILL,
          '--target',
          target,
          ...FILES_ONLY,
          '--json',
        ],
        { env: { ...sampleEnv(), CI: '1' }, extendEnv: false, reject: false },
      );
      expect(result.exitCode).toBe(1);
      const doc = JSON.parse(String(result.stdout));
      expect(doc.ok).toBe(false);
      expect(doc.error.message).toBe(
        `${target} is on a read-only file system; nothing was changed.`,
      );
      noStack(String(result.stderr));
      expect(await gitStatus(target)).toBe('');
    },
  );

  it.each([
    [['--target'], '--target needs a folder'],
    [
      [],
      'Name the skill: apply-skill <skill> (available: add-codex-provider, add-healthcheck).',
    ],
  ])(
    'apply-skill %j is a usage error that says what to type',
    async (args, said) => {
      const run = await runCli(
        'apply-skill',
        args.length ? [SKILL, ...args] : [],
      );
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toContain(said);
    },
  );

  it('a misspelt skill with its options is reported as the unknown skill, not as unknown options', async () => {
    const run = await runCli('apply-skill', [
      'add-codex-provder',
      '--provider',
      'codex',
    ]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain("Unknown skill 'add-codex-provder'.");
    expect(run.stderr).toContain(
      'Available skills: add-codex-provider, add-healthcheck',
    );
    expect(run.stderr).not.toContain('Unknown argument');

    const json = await runCli('remove-skill', [
      'add-codex-provder',
      '--purge-tokens',
      '--json',
    ]);
    expect(json.exitCode).toBe(2);
    expect(JSON.parse(json.stdout).error.message).toBe(
      "Unknown skill 'add-codex-provder'.",
    );
  });

  it('--target naming a file says it is a file, once', async () => {
    const run = await runCli('skill-status', [
      '--target',
      path.join(TOOL_ROOT, 'package.json'),
    ]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('is a file, not a folder');
  });

  it('skill-doctor refuses an extra argument', async () => {
    const run = await runCli('skill-doctor', [SKILL, 'extra']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('Unexpected argument: extra');
  });

  it.each([
    'apply-skill',
    'remove-skill',
    'skill-status',
    'skill-doctor',
  ] as const)(
    '%s --help --json and --version --json print one JSON document',
    async (bin) => {
      const help = await runCli(bin, ['--help', '--json']);
      expect(help.exitCode).toBe(0);
      expect(JSON.parse(help.stdout)).toMatchObject({
        ok: true,
        help: expect.stringContaining(bin),
      });
      const version = await runCli(bin, ['--version', '--json']);
      expect(JSON.parse(version.stdout)).toEqual({
        ok: true,
        version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      });
    },
  );
});
