/**
 * Kept codemod passes (src/engine/pass-cache.ts), through the built CLI: a run
 * whose job, code and target files are those of a kept pass prints that pass
 * without running it, and anything the pass depended on that changed runs it
 * again. A kept pass is recognised by a marker written into its result here:
 * only a run that used it can print the marker.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runCli, TOOL_ROOT } from '../helpers/cli.js';
import { mainThreadProbe } from '../helpers/main-thread-probe.js';
import { createSampleCopy, type SampleCopy } from '../helpers/sample.js';

const SKILL = 'add-codex-provider';
const MARKER = '// kept pass marker';

let cacheDir: string;
const copies: SampleCopy[] = [];

beforeAll(() => {
  cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pass-cache-'));
});
afterAll(async () => {
  await Promise.all(copies.map((copy) => copy.cleanup()));
  fs.rmSync(cacheDir, { recursive: true, force: true });
});

async function copy(): Promise<string> {
  const made = await createSampleCopy('base');
  copies.push(made);
  return made.dir;
}

function dryRun(target: string, env: NodeJS.ProcessEnv = {}) {
  return runCli('apply-skill', [SKILL, '--target', target, '--dry-run'], {
    env: { SKILL_APPLICATOR_CACHE_DIR: cacheDir, ...env },
  });
}

const passesDir = () => path.join(cacheDir, 'passes');

/** The kept passes of the apply job (the recent-* index aside). */
function entryFiles(): string[] {
  return fs
    .readdirSync(passesDir())
    .filter((name) => !name.startsWith('recent-'))
    .map((name) => path.join(passesDir(), name));
}

/** Change every kept result in place: kept passes (objects) and kept detections (arrays) alike. */
function rewriteKeptResults(change: (result: unknown) => void): void {
  for (const file of entryFiles()) {
    const entries = JSON.parse(fs.readFileSync(file, 'utf8')) as {
      result: unknown;
    }[];
    for (const entry of entries) change(entry.result);
    fs.writeFileSync(file, JSON.stringify(entries));
  }
}

/** Put MARKER at the end of every file text the kept passes would write. */
function markKeptPasses(): void {
  rewriteKeptResults((result) => {
    if (Array.isArray(result)) return; // a kept detection
    for (const write of (result as { writes: { after: string }[] }).writes) {
      write.after += `${MARKER}\n`;
    }
  });
}

describe('kept codemod passes', () => {
  let first: string;

  beforeAll(async () => {
    const run = await dryRun(await copy());
    expect(run.exitCode, run.stderr).toBe(0);
    first = run.stdout;
    expect(entryFiles()).toHaveLength(1);
  });

  it('serve another copy with the same files: the same diff, from the kept pass, with no worker started', async () => {
    const probe = mainThreadProbe(cacheDir);
    const same = await dryRun(await copy(), probe.env);
    expect(same.exitCode, same.stderr).toBe(0);
    expect(same.stdout).toBe(first);
    expect(probe.workerStarted()).toBe(false);

    markKeptPasses();
    const marked = await dryRun(await copy());
    expect(marked.exitCode, marked.stderr).toBe(0);
    expect(marked.stdout).toContain(`+${MARKER}`);
  });

  it('are not used when a file the pass read changed, when turned off, or when a codemod module changed', async () => {
    markKeptPasses();
    const changed = await copy();
    fs.appendFileSync(path.join(changed, 'src', 'config.ts'), '// mine\n');
    const afterChange = await dryRun(changed);
    expect(afterChange.exitCode, afterChange.stderr).toBe(0);
    expect(afterChange.stdout).not.toContain(MARKER);

    const same = await copy();
    const off = await dryRun(same, { SKILL_APPLICATOR_PASS_CACHE: 'off' });
    expect(off.stdout).toBe(first);

    // The same bytes with a new modification time count as new code.
    const module = path.join(
      TOOL_ROOT,
      'dist',
      'codemods',
      SKILL,
      'add-plugins-build.js',
    );
    const { atime, mtime } = fs.statSync(module);
    markKeptPasses();
    try {
      fs.utimesSync(module, atime, new Date(mtime.getTime() + 1000));
      const rebuilt = await dryRun(same);
      expect(rebuilt.exitCode, rebuilt.stderr).toBe(0);
      expect(rebuilt.stdout).toBe(first);
    } finally {
      fs.utimesSync(module, atime, mtime);
    }
  });

  it('a kept pass file that is not JSON is a miss, not a failure', async () => {
    for (const file of fs.readdirSync(passesDir())) {
      fs.writeFileSync(path.join(passesDir(), file), '{ not json');
    }
    const run = await dryRun(await copy());
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toBe(first);
  });

  it('a kept pass that looked likely but is gone: the pass runs after all, same diff', async () => {
    const kept = await dryRun(await copy());
    expect(kept.stdout).toBe(first);
    // The index of recent passes still matches this copy; the pass is gone.
    for (const file of entryFiles()) fs.rmSync(file);
    // Which CommonJS modules the main thread loaded (ts-morph's would be).
    const probe = mainThreadProbe(cacheDir);
    const run = await dryRun(await copy(), probe.env);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toBe(first);
    // It ran in a worker started late, not on the main thread.
    expect(probe.workerStarted()).toBe(true);
    const loaded = probe.loaded();
    expect(loaded.some((file) => file.includes('picocolors'))).toBe(true);
    expect(loaded.filter((file) => /ts-morph|typescript/.test(file))).toEqual(
      [],
    );
  });

  it('skill-status keeps its detection of each edit the same way: a kept one is used until a file changes', async () => {
    const status = (target: string) =>
      runCli('skill-status', ['--target', target, '--json'], {
        env: { SKILL_APPLICATOR_CACHE_DIR: cacheDir },
      });
    const editsOf = (stdout: string) =>
      (
        JSON.parse(stdout) as {
          skills: { skill: string; edits: { state: string }[] }[];
        }
      ).skills.find((skill) => skill.skill === SKILL)!.edits;
    const fresh = await status(await copy());
    expect(fresh.exitCode, fresh.stderr).toBe(0);
    const states = editsOf(fresh.stdout).map((edit) => edit.state);
    expect(states.length).toBeGreaterThan(0);
    expect(new Set(states)).toEqual(new Set(['missing']));

    // Mark the kept detections: every edit "drifted".
    rewriteKeptResults((result) => {
      if (!Array.isArray(result)) return; // a kept pass
      for (const edit of result as { state: string }[]) edit.state = 'drifted';
    });
    const kept = await status(await copy());
    expect(editsOf(kept.stdout).map((edit) => edit.state)).toEqual(
      states.map(() => 'drifted'),
    );

    const changed = await copy();
    fs.appendFileSync(path.join(changed, 'src', 'index.ts'), '// mine\n');
    const detected = await status(changed);
    expect(editsOf(detected.stdout).map((edit) => edit.state)).toEqual(states);
  });
});
