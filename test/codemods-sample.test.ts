/**
 * All seven codemods on a copy of each sample NanoClaw release shape (with the
 * skill's new src/ files copied in, as the skill does), called with the
 * options the engine reads from the target (its prettier settings): the host
 * type-checks with the tool's own tsc, the agent runner too, the target's own
 * prettier and tests stay green, and reverting all seven gives back every
 * file byte for byte. A NanoClaw 2.x checkout is refused as a whole.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import picomatch from 'picomatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  readCodemodOptions,
  type CodemodOptions,
} from '../src/codemod/options.js';
import { runEdits } from '../src/engine/edits.js';
import { skillCodemods } from './helpers/codemods.js';
import { typeCheckProject } from './helpers/type-check.js';
import { listFiles } from '../src/core/fs-util.js';
import { loadManifest } from '../src/engine/manifest.js';
import { assertSupportedRelease } from '../src/engine/target.js';
import { materialiseSample } from './helpers/sample.js';

const tool = path.resolve(import.meta.dirname, '..');
const bin = (name: string) => path.join(tool, 'node_modules/.bin', name);
const { codemods } = await skillCodemods('add-codex-provider');
const order = Object.values(codemods);

const EDITED = [
  'container/agent-runner/src/index.ts',
  'package.json',
  'setup/index.ts',
  'src/config.ts',
  'src/container-runner.test.ts',
  'src/container-runner.ts',
  'src/index.ts',
];

async function sampleCopy(variant: string): Promise<string> {
  const target = fs.mkdtempSync(path.join(os.tmpdir(), 'codemods-sample-'));
  await materialiseSample(variant, target);
  for (const file of fs.readdirSync(
    path.join(tool, 'templates/add-codex-provider/src'),
  )) {
    fs.copyFileSync(
      path.join(tool, 'templates/add-codex-provider/src', file),
      path.join(target, 'src', file),
    );
  }
  // The sample has no node_modules: borrow the tool's (typescript, @types/node,
  // vitest, prettier), plus what the variant vendors (the OneCLI SDK stand-in).
  const modules = path.join(target, 'node_modules');
  fs.mkdirSync(modules);
  for (const entry of fs.readdirSync(path.join(tool, 'node_modules'))) {
    fs.symlinkSync(
      path.join(tool, 'node_modules', entry),
      path.join(modules, entry),
    );
  }
  const vendored = path.join(target, 'vendor', 'onecli-sdk');
  if (fs.existsSync(vendored)) {
    fs.mkdirSync(path.join(modules, '@onecli-sh'));
    fs.symlinkSync(vendored, path.join(modules, '@onecli-sh', 'sdk'), 'dir');
  }
  return target;
}

/** Exit code and output of a child that does not inherit this vitest run's environment. */
function run(
  target: string,
  command: string,
  args: string[],
): { status: number | null; output: string } {
  const result = spawnSync(command, args, {
    cwd: target,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
  });
  return { status: result.status, output: result.stdout + result.stderr };
}

const targets: string[] = [];
afterAll(() => {
  for (const target of targets) {
    fs.rmSync(target, { recursive: true, force: true });
  }
});

describe.each([
  { variant: 'base', printWidth: 80 },
  { variant: 'credential-proxy', printWidth: 80 },
  { variant: 'onecli', printWidth: 80 },
  { variant: 'width-120', printWidth: 120 },
])('the seven codemods on the $variant sample', ({ variant, printWidth }) => {
  let target: string;
  let options: CodemodOptions;
  let originals: Map<string, string>;
  let edited: string[] = [];

  function filesOf(files: string): string[] {
    if (!picomatch.scan(files).isGlob) return [files];
    const matches = picomatch(files);
    return listFiles(target).filter((file) => matches(file));
  }

  function transformAll(direction: 'apply' | 'revert'): string[] {
    const changed: string[] = [];
    const codemodsInOrder =
      direction === 'apply' ? order : [...order].reverse();
    for (const codemod of codemodsInOrder) {
      for (const file of filesOf(codemod.files)) {
        const absolute = path.join(target, file);
        const before = fs.readFileSync(absolute, 'utf8');
        const after = codemod[direction](before, file, options);
        if (after !== before) changed.push(file);
        fs.writeFileSync(absolute, after);
      }
    }
    return changed;
  }

  beforeAll(async () => {
    target = await sampleCopy(variant);
    targets.push(target);
    options = readCodemodOptions(target);
    originals = new Map(
      listFiles(target).map((file) => [
        file,
        fs.readFileSync(path.join(target, file), 'utf8'),
      ]),
    );
  });

  it("reads the target's own format settings", () => {
    expect(options.format).toMatchObject({ printWidth, singleQuote: true });
  });

  it('apply to every file they name, and again changes nothing', () => {
    edited = transformAll('apply').sort();
    expect(edited).toEqual(EDITED);
    expect(transformAll('apply')).toEqual([]);
    for (const codemod of order) {
      for (const file of filesOf(codemod.files)) {
        const source = fs.readFileSync(path.join(target, file), 'utf8');
        // A glob codemod skips the files holding nothing it edits.
        const skipped = codemod.files.includes('*') ? ['not-applicable'] : [];
        expect(['applied', ...skipped], `${codemod.id} on ${file}`).toContain(
          codemod.detect(source, file, options).state,
        );
      }
    }
  });

  it("leave files that pass the target's own prettier --check", () => {
    const { status, output } = run(target, bin('prettier'), [
      '--check',
      ...edited,
    ]);
    expect(status, output).toBe(0);
  });

  it('leave a host that type-checks with the new plugin loader', () => {
    // tsc --noEmit -p tsconfig.json, in process with the tool's TypeScript.
    expect(typeCheckProject(target, tool, 'tsconfig.json')).toEqual([]);
  });

  it('leave an agent runner that type-checks', () => {
    expect(
      typeCheckProject(target, tool, 'container/agent-runner/tsconfig.json'),
    ).toEqual([]);
  });

  it("keep the target's own tests green", () => {
    const { status, output } = run(target, bin('vitest'), [
      'run',
      '--reporter=dot',
    ]);
    expect(status, output).toBe(0);
  });

  it('revert to the original files byte for byte', () => {
    transformAll('revert');
    for (const [file, content] of originals) {
      expect(fs.readFileSync(path.join(target, file), 'utf8'), file).toBe(
        content,
      );
    }
    expect(listFiles(target).sort()).toEqual([...originals.keys()].sort());
  });
});

describe('a NanoClaw 2.x sample', () => {
  let target: string;

  beforeAll(async () => {
    target = await sampleCopy('v2');
    targets.push(target);
  });

  it('is refused before any planning', () => {
    expect(() =>
      assertSupportedRelease(target, loadManifest('add-codex-provider')),
    ).toThrow(/NanoClaw 2\.x/);
  });

  it('is refused by the codemods of the files that show it, so no plan could half-edit it', () => {
    const result = runEdits(
      {
        operation: 'apply',
        skill: 'add-codex-provider',
        root: target,
        codemods: loadManifest('add-codex-provider').codemods,
        pending: {},
      },
      codemods,
    );
    const refused = result.problems
      .filter((p) => p.message.includes('provider registry of NanoClaw 2.x'))
      .map((p) => p.file)
      .sort();
    expect(refused).toEqual([
      'container/agent-runner/src/index.ts',
      'src/container-runner.ts',
      'src/index.ts',
    ]);
  });
});
