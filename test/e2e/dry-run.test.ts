import { execa } from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import {
  FILES_ONLY,
  REMOVE_FILES_ONLY,
  runCli,
  TOOL_ROOT,
} from '../helpers/cli.js';
import {
  createSampleCopy,
  diffSnapshots,
  ensureSampleInstall,
  sampleEnv,
  treeSnapshot,
  type SampleCopy,
} from '../helpers/sample.js';
import { typeCheckProject } from '../helpers/type-check.js';

const copies: SampleCopy[] = [];
afterAll(async () => {
  await Promise.all(copies.map((copy) => copy.cleanup()));
});

async function copyOf(variant: string, install = false): Promise<string> {
  const copy = await createSampleCopy(variant, { install });
  copies.push(copy);
  return copy.dir;
}

/** A program of the sample's own node_modules (its prettier), run inside it. */
function inSample(dir: string, command: string, args: string[]) {
  return execa(path.join(dir, 'node_modules', '.bin', command), args, {
    cwd: dir,
    env: sampleEnv(),
    extendEnv: false,
    reject: false,
    all: true,
  });
}

/** The files a patch changes that existed before it (the codemods' edits, not new files). */
function editedFiles(patch: string): string[] {
  return [...patch.matchAll(/^--- a\/(.+)$/gm)].map((m) => m[1]).sort();
}

/** git apply a patch inside dir (not a repository: git treats it as plain files). */
async function gitApply(dir: string, patch: string): Promise<void> {
  const file = path.join(
    os.tmpdir(),
    `skill-${process.pid}-${Date.now()}.diff`,
  );
  fs.writeFileSync(file, patch);
  try {
    await execa('git', ['apply', '--whitespace=nowarn', file], { cwd: dir });
  } finally {
    fs.rmSync(file, { force: true });
  }
}

const IGNORE = { ignore: ['.nanoclaw/**'] };

describe.each([
  { variant: 'base', check: false },
  { variant: 'customised', check: false },
  { variant: 'secrets-four', check: false },
  // The later release shapes and another print width: the patched copy is
  // installed, so that its own tsc and prettier check what the codemods wrote.
  { variant: 'credential-proxy', check: true },
  { variant: 'onecli', check: true },
  { variant: 'width-120', check: true },
])('--dry-run on the $variant sample', ({ variant, check }) => {
  it('prints a diff that git apply turns into exactly the applied tree, and changes nothing', async () => {
    const viaPatch = await copyOf(variant, check);
    // Installed like its twin: the target's own prettier styles the templates alike.
    const viaApply = await copyOf(variant, check);
    const original = await treeSnapshot(viaPatch);

    const dry = await runCli('apply-skill', [
      'add-codex-provider',
      '--target',
      viaPatch,
      '--dry-run',
    ]);
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/^diff --git a\//);
    expect(dry.stdout).toContain('new file mode 100644');
    expect(dry.stdout).toContain('+++ b/src/config.ts');
    expect(dry.stderr).toMatch(/nothing was written/);
    expect(await treeSnapshot(viaPatch)).toEqual(original);
    expect(fs.existsSync(path.join(viaPatch, '.nanoclaw'))).toBe(false);

    await gitApply(viaPatch, dry.stdout);
    const apply = await runCli('apply-skill', [
      'add-codex-provider',
      '--target',
      viaApply,
      ...FILES_ONLY,
    ]);
    expect(apply.exitCode, apply.stderr).toBe(0);
    expect(
      diffSnapshots(
        await treeSnapshot(viaApply, IGNORE),
        await treeSnapshot(viaPatch, IGNORE),
      ),
    ).toEqual({ added: [], removed: [], changed: [] });

    if (check) {
      // The agent runner the codemods changed type-checks, and what they
      // changed passes the sample's own prettier. (The host, src/, is the
      // applied tree apply-remove.test.ts builds for real on every variant.)
      // What its own `tsc --noEmit -p ...` reports, checked in this process.
      const install = await ensureSampleInstall(variant);
      expect(
        typeCheckProject(
          viaPatch,
          install,
          'container/agent-runner/tsconfig.json',
        ),
      ).toEqual([]);
      const edited = editedFiles(dry.stdout);
      expect(edited).toEqual(
        expect.arrayContaining([
          'container/agent-runner/src/index.ts',
          'src/config.ts',
          'src/container-runner.ts',
          'src/index.ts',
        ]),
      );
      const format = await inSample(viaPatch, 'prettier', [
        '--check',
        ...edited,
      ]);
      expect(format.exitCode, format.all).toBe(0);
    }

    // The removal's dry run is exact too: patching the applied tree gives the original.
    const dryRemove = await runCli('remove-skill', [
      'add-codex-provider',
      '--target',
      viaPatch,
      '--dry-run',
    ]);
    expect(dryRemove.exitCode, dryRemove.stderr).toBe(0);
    expect(dryRemove.stdout).toContain('deleted file mode 100644');
    await gitApply(viaPatch, dryRemove.stdout);
    expect(
      diffSnapshots(original, await treeSnapshot(viaPatch, IGNORE)),
    ).toEqual({
      added: [],
      removed: [],
      changed: [],
    });
  });
});

describe('--dry-run on the v2 (NanoClaw 2.x) sample', () => {
  it("is refused, with the pointer to 2.x's own skill, and changes nothing", async () => {
    const target = await copyOf('v2');
    const original = await treeSnapshot(target);
    const dry = await runCli('apply-skill', [
      'add-codex-provider',
      '--target',
      target,
      '--dry-run',
    ]);
    expect(dry.exitCode).toBe(1);
    expect(dry.stdout).toBe('');
    expect(dry.stderr).toMatch(/NanoClaw 2\.x/);
    expect(dry.stderr).toContain('/add-codex');
    expect(await treeSnapshot(target)).toEqual(original);
  });
});

describe('--json', () => {
  it('prints one parseable result and nothing else on stdout', async () => {
    const target = await copyOf('base');
    const run = await runCli('apply-skill', [
      'add-codex-provider',
      '--target',
      target,
      ...FILES_ONLY,
      '--json',
    ]);
    expect(run.exitCode, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({
      ok: true,
      operation: 'apply',
      status: 'applied',
      skill: 'add-codex-provider',
    });
    expect(result.files.created).toContain('src/plugin-loader.ts');
    expect(result.files.updated).toEqual(
      expect.arrayContaining([
        'src/config.ts',
        'src/container-runner.ts',
        'package.json',
      ]),
    );
    expect(result.steps.map((s: { name: string }) => s.name)).toContain(
      'Write files',
    );

    const again = JSON.parse(
      (
        await runCli('apply-skill', [
          'add-codex-provider',
          '--target',
          target,
          ...FILES_ONLY,
          '--json',
        ])
      ).stdout,
    );
    expect(again.status).toBe('already-applied');
    const removed = JSON.parse(
      (
        await runCli('remove-skill', [
          'add-codex-provider',
          '--target',
          target,
          ...REMOVE_FILES_ONLY,
          '--json',
        ])
      ).stdout,
    );
    expect(removed).toMatchObject({ ok: true, status: 'removed' });
    const notApplied = JSON.parse(
      (
        await runCli('remove-skill', [
          'add-codex-provider',
          '--target',
          target,
          ...REMOVE_FILES_ONLY,
          '--json',
        ])
      ).stdout,
    );
    expect(notApplied.status).toBe('not-applied');
  });
});
