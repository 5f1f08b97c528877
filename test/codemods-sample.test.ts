/**
 * All seven codemods on a copy of the sample NanoClaw (with the skill's new
 * src/ files copied in, as the skill does): the host type-checks with the
 * tool's own tsc, the agent runner too, the target's own test stays green,
 * and reverting all seven gives back every file byte for byte.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import picomatch from 'picomatch';
import * as prettier from 'prettier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { codemods } from '../codemods/index.js';
import { listFiles } from '../src/fs-util.js';

const tool = path.resolve(import.meta.dirname, '..');
const sample = path.join(tool, 'test/fixtures/nanoclaw');
const bin = (name: string) => path.join(tool, 'node_modules/.bin', name);
const order = Object.values(codemods);

let target: string;
let originals: Map<string, string>;
let edited: string[] = [];

function filesOf(files: string): string[] {
  if (!picomatch.scan(files).isGlob) return [files];
  const matches = picomatch(files);
  return listFiles(target).filter((file) => matches(file));
}

function transformAll(direction: 'apply' | 'revert'): string[] {
  const changed: string[] = [];
  const codemodsInOrder = direction === 'apply' ? order : [...order].reverse();
  for (const codemod of codemodsInOrder) {
    for (const file of filesOf(codemod.files)) {
      const absolute = path.join(target, file);
      const before = fs.readFileSync(absolute, 'utf8');
      const after = codemod[direction](before, file);
      if (after !== before) changed.push(file);
      fs.writeFileSync(absolute, after);
    }
  }
  return changed;
}

/** Exit code and output of a child that does not inherit this vitest run's environment. */
function run(
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

beforeAll(() => {
  target = fs.mkdtempSync(path.join(os.tmpdir(), 'codemods-sample-'));
  fs.cpSync(sample, target, { recursive: true });
  for (const file of fs.readdirSync(path.join(tool, 'templates/src'))) {
    fs.copyFileSync(
      path.join(tool, 'templates/src', file),
      path.join(target, 'src', file),
    );
  }
  // The sample has no node_modules: borrow the tool's (typescript, @types/node, vitest).
  fs.symlinkSync(
    path.join(tool, 'node_modules'),
    path.join(target, 'node_modules'),
    'dir',
  );
  originals = new Map(
    listFiles(target).map((file) => [
      file,
      fs.readFileSync(path.join(target, file), 'utf8'),
    ]),
  );
});

afterAll(() => {
  if (target) fs.rmSync(target, { recursive: true, force: true });
});

describe('the seven codemods on the sample NanoClaw', () => {
  it('apply to every file they name, and again changes nothing', () => {
    edited = transformAll('apply').sort();
    expect(edited).toEqual([
      'container/agent-runner/src/index.ts',
      'package.json',
      'setup/index.ts',
      'src/config.ts',
      'src/container-runner.test.ts',
      'src/container-runner.ts',
      'src/index.ts',
    ]);
    expect(transformAll('apply')).toEqual([]);
    for (const codemod of order) {
      for (const file of filesOf(codemod.files)) {
        const source = fs.readFileSync(path.join(target, file), 'utf8');
        expect(
          codemod.detect(source, file).state,
          `${codemod.id} on ${file}`,
        ).toBe('applied');
      }
    }
  });

  it('leave prettier-clean files', async () => {
    for (const file of edited) {
      const source = fs.readFileSync(path.join(target, file), 'utf8');
      const parser = file.endsWith('.json') ? 'json' : 'typescript';
      expect(
        await prettier.check(source, { parser, singleQuote: true }),
        file,
      ).toBe(true);
    }
  });

  it('leave a host that type-checks with the new plugin loader', () => {
    expect(run(bin('tsc'), ['--noEmit', '-p', 'tsconfig.json'])).toEqual({
      status: 0,
      output: '',
    });
  });

  it('leave an agent runner that type-checks', () => {
    expect(
      run(bin('tsc'), [
        '--noEmit',
        '-p',
        'container/agent-runner/tsconfig.json',
      ]),
    ).toEqual({
      status: 0,
      output: '',
    });
  });

  it("keep the target's own tests green", () => {
    const { status, output } = run(bin('vitest'), ['run', '--reporter=dot']);
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
