import { execa } from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { FILES_ONLY, REMOVE_FILES_ONLY, runCli } from '../helpers/cli.js';
import {
  createSampleCopy,
  diffSnapshots,
  treeSnapshot,
  type SampleCopy,
} from '../helpers/sample.js';

const copies: SampleCopy[] = [];
afterAll(async () => {
  await Promise.all(copies.map((copy) => copy.cleanup()));
});

async function copyOf(variant: string): Promise<string> {
  const copy = await createSampleCopy(variant, { install: false });
  copies.push(copy);
  return copy.dir;
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

describe.each(['base', 'customised', 'secrets-four'])(
  '--dry-run on the %s sample',
  (variant) => {
    it('prints a diff that git apply turns into exactly the applied tree, and changes nothing', async () => {
      const viaPatch = await copyOf(variant);
      const viaApply = await copyOf(variant);
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
  },
);

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
