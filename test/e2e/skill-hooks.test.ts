/**
 * The skill hooks API through the built CLI, with a test skill kept outside
 * the tool (test/fixtures/skills/hook-probe, found through
 * NANOCLAW_SKILLS_PATH): its steps run inside the transaction and are undone
 * when one fails, its doctor check prints its fix, its status field shows in
 * text and JSON, and its option appears in --help. A hooks module of the
 * wrong shape is named in one clear error.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { TOOL_ROOT, runCli } from '../helpers/cli.js';
import {
  createSampleCopy,
  diffSnapshots,
  treeSnapshot,
  type SampleCopy,
} from '../helpers/sample.js';

const SKILL = 'hook-probe';
const FIXTURE_SKILLS = path.join(TOOL_ROOT, 'test', 'fixtures', 'skills');
const FILES_ONLY = ['--yes', '--skip-install', '--skip-build', '--no-restart'];

let scratch: string;
const copies: SampleCopy[] = [];

beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'skill-hooks-'));
});
afterEach(async () => {
  await Promise.all(copies.splice(0).map((copy) => copy.cleanup()));
});
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

async function sample(): Promise<string> {
  const copy = await createSampleCopy('base', { install: false });
  copies.push(copy);
  return copy.dir;
}

function cli(
  name: Parameters<typeof runCli>[0],
  args: string[],
  env: NodeJS.ProcessEnv = {},
) {
  return runCli(name, args, {
    env: { NANOCLAW_SKILLS_PATH: FIXTURE_SKILLS, ...env },
  });
}

const apply = (target: string, env?: NodeJS.ProcessEnv, extra: string[] = []) =>
  cli('apply-skill', [SKILL, '--target', target, ...FILES_ONLY, ...extra], env);

describe('a skill with hooks, outside the tool', () => {
  it('a failing apply step rolls everything back byte for byte and undoes the steps that ran', async () => {
    const target = await sample();
    const logFile = path.join(scratch, 'failing.log');
    const before = await treeSnapshot(target);

    const run = await apply(target, {
      HOOK_PROBE_FAIL: '1',
      HOOK_PROBE_LOG: logFile,
    });

    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain(
      '✔ Write probe marker: hook-probe.json written',
    );
    expect(run.stderr).toContain('✖ Probe check');
    expect(run.stderr).toContain(
      'apply failed: the probe was told to fail (HOOK_PROBE_FAIL=1). Everything was rolled back.',
    );
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(fs.readFileSync(logFile, 'utf8')).toBe('run marker\nundo marker\n');
    expect(diffSnapshots(before, await treeSnapshot(target))).toEqual({
      added: [],
      removed: [],
      changed: [],
    });
  });

  it('applies with its own option, keeps its memory, and removes again', async () => {
    const target = await sample();
    const before = await treeSnapshot(target);
    const run = await apply(target, {}, ['--probe-note', 'hello']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toContain('✔ Probe check: passed');
    expect(run.stderr).toContain('✔ Probe setup: remembered the note');
    expect(run.stderr).toContain('- Restart service: skipped (--no-restart)');
    expect(
      JSON.parse(fs.readFileSync(path.join(target, 'hook-probe.json'), 'utf8')),
    ).toEqual({ note: 'hello' });

    const removed = await cli('remove-skill', [
      SKILL,
      '--target',
      target,
      ...FILES_ONLY,
    ]);
    expect(removed.exitCode, removed.stderr).toBe(0);
    expect(removed.stderr).toContain('✔ Delete probe marker');
    expect(diffSnapshots(before, await treeSnapshot(target))).toEqual({
      added: [],
      removed: [],
      changed: [],
    });
  });

  it('its doctor check fails and prints its fix, after the engine checks', async () => {
    const target = await sample();
    expect((await apply(target)).exitCode).toBe(0);
    fs.rmSync(path.join(target, 'hook-probe.json'));

    const text = await cli('skill-doctor', [SKILL, '--target', target]);
    expect(text.exitCode).toBe(1);
    expect(text.stdout).toContain(
      '✖ Probe marker: hook-probe.json is missing\n  Fix: apply-skill hook-probe again',
    );
    const json = await cli('skill-doctor', [
      SKILL,
      '--target',
      target,
      '--json',
    ]);
    expect(JSON.parse(json.stdout).findings).toEqual([
      { check: 'Skill edits', ok: true },
      {
        check: 'Probe marker',
        ok: false,
        problem: 'hook-probe.json is missing',
        fix: 'apply-skill hook-probe again',
      },
    ]);
  });

  it('its status field shows in text and under --json', async () => {
    const target = await sample();
    expect((await apply(target, {}, ['--probe-note', 'hi'])).exitCode).toBe(0);

    const text = await cli('skill-status', ['--target', target]);
    expect(text.stdout).toContain(
      'hook-probe: applied\n  Probe: marker present, note hi\n',
    );
    const json = JSON.parse(
      (await cli('skill-status', ['--target', target, '--json'])).stdout,
    );
    const probe = json.skills.find(
      (skill: { skill: string }) => skill.skill === SKILL,
    );
    expect(probe).toMatchObject({
      applied: true,
      probe: { marker: true, note: 'hi' },
    });
  });

  it('--help lists its option; a skill without hooks gets the engine options only', async () => {
    const probe = await cli('apply-skill', [SKILL, '--help']);
    expect(probe.stdout).toMatch(
      /--probe-note\s+A note the probe writes into its marker file/,
    );
    const codex = await cli('apply-skill', ['add-codex-provider', '--help']);
    expect(codex.stdout).not.toContain('--probe-note');

    writeSkill('plain-skill');
    const plain = await runCli('apply-skill', ['plain-skill', '--help'], {
      env: { NANOCLAW_SKILLS_PATH: scratch },
    });
    expect(plain.exitCode).toBe(0);
    for (const option of ['--target', '--dry-run', '--no-restart', '--json'])
      expect(plain.stdout).toContain(option.replace('--no-', '--'));
    expect(plain.stdout).not.toMatch(/--skip-auth|--probe-note|--provider/);
  });

  it('a hooks module of the wrong shape is one clear error naming the file', async () => {
    const dir = writeSkill('bad-hooks');
    fs.writeFileSync(path.join(dir, 'hooks.ts'), 'export default 42;\n');
    const run = await runCli(
      'apply-skill',
      ['bad-hooks', '--target', await sample(), ...FILES_ONLY],
      { env: { NANOCLAW_SKILLS_PATH: scratch } },
    );
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain(
      `${path.join(dir, 'hooks.ts')} has no default export of skill hooks (an object).`,
    );
    expect(run.stderr).toContain('defineSkillHooks');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});

/** A skill of one template in the scratch skills folder; its folder. */
function writeSkill(name: string): string {
  const dir = path.join(scratch, name);
  fs.mkdirSync(path.join(dir, 'templates'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'templates', `${name}.md`), `# ${name}\n`);
  fs.writeFileSync(
    path.join(dir, 'skill.json'),
    JSON.stringify({ name, version: '1.0.0', templates: [`${name}.md`] }),
  );
  return dir;
}
