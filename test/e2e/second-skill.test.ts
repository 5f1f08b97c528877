/**
 * The second skill, add-healthcheck, through the built CLI: the proof that a
 * skill made of a manifest, one codemod and one template applies and
 * removes with the engine as it is. Its dry-run patches are pinned here (sha256
 * and per-file counts, like dry-run-patches.test.ts pins the Codex skill's).
 */
import { execa } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { REMOVE_FILES_ONLY as FILES_ONLY, runCli } from '../helpers/cli.js';
import { pinned } from '../helpers/patch.js';
import {
  createSampleCopy,
  listVariants,
  sampleEnv,
  treeSnapshot,
  type SampleCopy,
} from '../helpers/sample.js';
import { freePort } from '../helpers/fake-browser.js';

const SKILL = 'add-healthcheck';
const copies: SampleCopy[] = [];
afterAll(async () => {
  await Promise.all(copies.map((copy) => copy.cleanup()));
});

async function copyOf(
  variant: string,
  options: { install?: boolean; git?: boolean } = {},
): Promise<string> {
  const copy = await createSampleCopy(variant, { install: false, ...options });
  copies.push(copy);
  return copy.dir;
}

function git(dir: string, args: string[], input?: string) {
  return execa('git', args, {
    cwd: dir,
    env: sampleEnv(),
    extendEnv: false,
    input,
  });
}

/** The tree as the skill leaves it, without the tool's own records. */
const tree = (dir: string) => treeSnapshot(dir, { ignore: ['.nanoclaw/**'] });

function parseJson(stdout: string) {
  return JSON.parse(stdout) as Record<string, any>;
}

// The width-120 copy is installed: its own prettier lays out the template.
const VARIANTS = listVariants()
  .filter((variant) => variant !== 'v2')
  .map((variant) => ({ variant, install: variant === 'width-120' }));

describe('the add-healthcheck dry-run patch', () => {
  it.each(VARIANTS)(
    'on the $variant sample is the pinned one',
    async ({ variant, install }) => {
      const dir = await copyOf(variant, { install });
      const dry = await runCli('apply-skill', [
        SKILL,
        '--target',
        dir,
        '--dry-run',
      ]);
      expect(dry.exitCode, dry.stderr).toBe(0);
      expect(pinned(dry.stdout)).toMatchSnapshot();
    },
  );
});

describe.each(['base', 'credential-proxy', 'width-120'])(
  'add-healthcheck on the %s sample (git checkout)',
  (variant) => {
    it('dry-run patch = applied tree; status reports it; remove leaves git clean', async () => {
      const dir = await copyOf(variant, {
        git: true,
        install: variant === 'width-120',
      });
      const dry = await runCli('apply-skill', [
        SKILL,
        '--target',
        dir,
        '--dry-run',
      ]);
      expect(dry.exitCode, dry.stderr).toBe(0);
      expect(dry.stdout).toContain('+++ b/src/healthcheck.ts');
      expect(dry.stdout).toContain('+  startHealthcheck();');
      expect((await git(dir, ['status', '--porcelain'])).stdout).toBe('');

      await git(dir, ['apply', '--whitespace=nowarn', '-'], dry.stdout);
      const viaPatch = await tree(dir);
      await git(dir, ['checkout', '--', '.']);
      await git(dir, ['clean', '-fdq']);

      const apply = await runCli('apply-skill', [
        SKILL,
        '--target',
        dir,
        ...FILES_ONLY,
      ]);
      expect(apply.exitCode, apply.stderr).toBe(0);
      expect(await tree(dir)).toEqual(viaPatch);

      const status = await runCli('skill-status', ['--target', dir, '--json']);
      expect(status.exitCode, status.stderr).toBe(0);
      const ours = parseJson(status.stdout).skills.find(
        (s: { skill: string }) => s.skill === SKILL,
      );
      expect(ours).toMatchObject({
        applied: true,
        recorded: true,
        edits: [
          {
            codemod: 'add-healthcheck-start',
            file: 'src/index.ts',
            state: 'applied',
          },
        ],
        changedTemplates: [],
        missingTemplates: [],
      });

      const remove = await runCli('remove-skill', [
        SKILL,
        '--target',
        dir,
        ...FILES_ONLY,
      ]);
      expect(remove.exitCode, remove.stderr).toBe(0);
      expect((await git(dir, ['status', '--porcelain'])).stdout).toBe('');
    });
  },
);

/** GET the URL until it answers (NanoClaw is starting), for up to 15 s. */
async function getWhenUp(url: string): Promise<Response> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      return await fetch(url);
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

describe('add-healthcheck applied with a real build', () => {
  it('builds, answers GET /healthz while NanoClaw runs, ends on SIGTERM, and is removed again', async () => {
    const dir = await copyOf('base', { install: true });
    const before = await tree(dir);
    const apply = await runCli('apply-skill', [
      SKILL,
      '--target',
      dir,
      '--yes',
      '--no-restart',
    ]);
    expect(apply.exitCode, apply.stderr).toBe(0);
    expect(apply.stderr).toMatch(/Build and validate NanoClaw/);
    expect(fs.existsSync(path.join(dir, 'dist', 'healthcheck.js'))).toBe(true);

    // The port comes from NanoClaw's own .env, read with its readEnvFile.
    const port = await freePort();
    fs.writeFileSync(path.join(dir, '.env'), `HEALTHCHECK_PORT=${port}\n`);
    const nanoclaw = execa('node', ['dist/index.js'], {
      cwd: dir,
      env: sampleEnv(),
      extendEnv: false,
      reject: false,
    });
    try {
      const response = await getWhenUp(`http://127.0.0.1:${port}/healthz`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json');
      const health = (await response.json()) as Record<string, unknown>;
      expect(health).toMatchObject({ status: 'ok', pid: nanoclaw.pid });
      expect(health.uptimeSeconds).toEqual(expect.any(Number));
      expect(Date.parse(String(health.startedAt))).toBeLessThanOrEqual(
        Date.now(),
      );
      const other = await fetch(`http://127.0.0.1:${port}/other`);
      expect(other.status).toBe(404);
    } finally {
      nanoclaw.kill('SIGTERM');
    }
    // The endpoint listens for SIGTERM, yet the signal still ends NanoClaw.
    const ended = await nanoclaw;
    expect(ended.signal, ended.stdout + ended.stderr).toBe('SIGTERM');
    expect(ended.stdout).toContain('Health endpoint up');

    // What running NanoClaw made (its .env, its data/) is not the skill's.
    fs.rmSync(path.join(dir, '.env'));
    fs.rmSync(path.join(dir, 'data'), { recursive: true });
    const remove = await runCli('remove-skill', [
      SKILL,
      '--target',
      dir,
      ...FILES_ONLY,
    ]);
    expect(remove.exitCode, remove.stderr).toBe(0);
    expect(fs.existsSync(path.join(dir, 'dist', 'healthcheck.js'))).toBe(false);
    expect(await tree(dir)).toEqual(before);
  });
});

describe('add-healthcheck refuses', () => {
  it('a src/index.ts without its anchor, naming it, and writes nothing', async () => {
    const dir = await copyOf('base');
    const index = path.join(dir, 'src', 'index.ts');
    fs.writeFileSync(
      index,
      fs.readFileSync(index, 'utf8').replace('  loadState();\n', ''),
    );
    const before = await tree(dir);
    const apply = await runCli('apply-skill', [
      SKILL,
      '--target',
      dir,
      ...FILES_ONLY,
      '--json',
    ]);
    expect(apply.exitCode).toBe(1);
    const message = JSON.stringify(parseJson(apply.stdout).error);
    expect(message).toContain('src/index.ts');
    expect(message).toContain('loadState()');
    expect(message).toContain('async function main()');
    expect(await tree(dir)).toEqual(before);
  });
});

describe('skill-doctor on add-healthcheck', () => {
  it('passes when applied, and names the edit when it is gone', async () => {
    const dir = await copyOf('base');
    const apply = await runCli('apply-skill', [
      SKILL,
      '--target',
      dir,
      ...FILES_ONLY,
    ]);
    expect(apply.exitCode, apply.stderr).toBe(0);
    const healthy = await runCli('skill-doctor', [
      SKILL,
      '--target',
      dir,
      '--json',
    ]);
    expect(healthy.exitCode, healthy.stdout + healthy.stderr).toBe(0);
    expect(parseJson(healthy.stdout).ok).toBe(true);

    const index = path.join(dir, 'src', 'index.ts');
    fs.writeFileSync(
      index,
      fs.readFileSync(index, 'utf8').replace('  startHealthcheck();\n', ''),
    );
    const broken = await runCli('skill-doctor', [
      SKILL,
      '--target',
      dir,
      '--json',
    ]);
    expect(broken.exitCode).toBe(1);
    expect(broken.stdout).toContain('add-healthcheck-start in src/index.ts');
  });
});
