/**
 * Each codemod's default export is a jscodeshift transform: run it through
 * jscodeshift's own test utility on the basic fixture, both directions.
 */
import fs from 'node:fs';
import path from 'node:path';
import { applyTransform } from 'jscodeshift/dist/testUtils.js';
import { describe, expect, it } from 'vitest';

import { skillCodemods } from './helpers/codemods.js';

const { codemods, fixtures } = await skillCodemods('add-codex-provider');
const modules: Record<string, object> = import.meta.glob(
  '../codemods/add-codex-provider/add-*.ts',
  { eager: true },
);

describe.each(Object.values(codemods))(
  '$id as a jscodeshift transform',
  (codemod) => {
    const ext = codemod.files.endsWith('.json') ? 'json' : 'ts';
    const read = (name: string) =>
      fs.readFileSync(
        path.join(fixtures, codemod.id, `basic.${name}.${ext}`),
        'utf8',
      );
    const filePath = codemod.files.includes('*')
      ? 'src/container-runner.test.ts'
      : codemod.files;

    it('applies, and reverts with --revert', () => {
      const transform =
        modules[`../codemods/add-codex-provider/${codemod.id}.ts`];
      const input = read('input');
      const output = read('output');
      expect(
        applyTransform(transform, {}, { path: filePath, source: input }),
      ).toBe(output.trim());
      expect(
        applyTransform(
          transform,
          { revert: true },
          { path: filePath, source: output },
        ),
      ).toBe(input.trim());
    });
  },
);

describe('format settings as jscodeshift options', () => {
  it('lays the code out for --printWidth=120, and reverts with the same', () => {
    const id = 'add-provider-routing-container';
    const transform = modules[`../codemods/add-codex-provider/${id}.ts`];
    const read = (name: string) =>
      fs.readFileSync(path.join(fixtures, id, `width-120.${name}.ts`), 'utf8');
    const file = { path: codemods[id].files };
    // The CLI hands option values over as strings.
    const options = { printWidth: '120' };
    expect(
      applyTransform(transform, options, { ...file, source: read('input') }),
    ).toBe(read('output').trim());
    expect(
      applyTransform(
        transform,
        { ...options, revert: true },
        { ...file, source: read('output') },
      ),
    ).toBe(read('input').trim());
  });
});
