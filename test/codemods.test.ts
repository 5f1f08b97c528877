/**
 * Walks codemods/<skill>/__testfixtures__/<id>/ and checks every case of every
 * codemod of every skill.
 *
 * A case is `<case>.input.<ext>` plus exactly one of:
 * - `<case>.output.<ext>`: apply gives it, revert gives the input back (or
 *   `<case>.reverted.<ext>` when the input was a partial application: revert
 *   removes every part, also the ones found already there), apply is
 *   idempotent, and the output is prettier-clean.
 * - `<case>.error.txt`: an anchor is missing or ambiguous; the detector
 *   reports exactly these problems (`anchor: expected`, one per line) and
 *   apply throws a CodemodError without touching anything.
 * - nothing: the file holds nothing this codemod edits (a look-alike at
 *   most), so it is not-applicable and both directions leave it as it is.
 *
 * `<case>.options.json`, when there is one, holds the CodemodOptions the
 * engine would read from the target (its prettier settings, what
 * container-runtime.ts exports): every call of the case gets them, and the
 * output is checked with prettier at those settings.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as prettier from 'prettier';
import { describe, expect, it } from 'vitest';

import { CodemodError } from '../src/codemod/define.js';
import { resolveOptions, type CodemodOptions } from '../src/codemod/options.js';
import { indentUnit } from '../src/codemod/text.js';
import type { Codemod } from '../src/codemod/types.js';
import { codexCodemod, everySkillsCodemods } from './helpers/codemods.js';

const skills = await everySkillsCodemods();
const codex = skills.find((s) => s.skill === 'add-codex-provider')!;

function read(dir: string, name: string): string | undefined {
  const file = path.join(dir, name);
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
}

/** The path the engine would pass: the codemod's file, or one a glob matches. */
function targetPath(codemod: Codemod, name: string): string {
  return codemod.files.includes('*') ? `src/${name}.test.ts` : codemod.files;
}

async function prettierClean(
  source: string,
  ext: string,
  options?: CodemodOptions,
): Promise<boolean> {
  return prettier.check(source, {
    parser: ext === 'json' ? 'json' : 'typescript',
    ...resolveOptions(options).format,
    endOfLine: 'auto',
    useTabs: indentUnit(source) === '\t',
  });
}

/** An unrelated user edit: a comment line after the first line. */
function editedByUser(source: string): string {
  const newline = source.indexOf('\n') + 1;
  const eol = source.includes('\r\n') ? '\r\n' : '\n';
  return `${source.slice(0, newline)}// edited by the user${eol}${source.slice(newline)}`;
}

for (const { skill, codemods, fixtures } of skills) {
  const ids = fs.readdirSync(fixtures).sort();

  it(`${skill}: has a fixture folder for every codemod and no other`, () => {
    expect(ids).toEqual(Object.keys(codemods).sort());
  });

  for (const id of ids) {
    const codemod = codemods[id];
    const dir = path.join(fixtures, id);
    const cases = fs
      .readdirSync(dir)
      .map((file) => /^(.*)\.input\.(ts|json)$/.exec(file))
      .filter((match) => match !== null);

    describe(`${skill}/${id}`, () => {
      it('has a basic case, a case with a missing anchor and at least five cases', () => {
        const names = cases.map(([, name]) => name);
        expect(names).toContain('basic');
        expect(names.some((n) => n.startsWith('missing'))).toBe(true);
        expect(names.length).toBeGreaterThanOrEqual(5);
      });

      for (const [file, name, ext] of cases) {
        const input = read(dir, file)!;
        const output = read(dir, `${name}.output.${ext}`);
        const errors = read(dir, `${name}.error.txt`);
        const optionsFile = read(dir, `${name}.options.json`);
        const options: CodemodOptions | undefined =
          optionsFile === undefined ? undefined : JSON.parse(optionsFile);
        const target = targetPath(codemod, name);
        const apply = (source: string) =>
          codemod.apply(source, target, options);
        const revert = (source: string) =>
          codemod.revert(source, target, options);
        const detect = (source: string) =>
          codemod.detect(source, target, options);

        if (output !== undefined) {
          const original = read(dir, `${name}.reverted.${ext}`) ?? input;
          it(`${name}: apply, revert, idempotence, isApplied`, () => {
            expect(apply(input)).toBe(output);
            expect(revert(output)).toBe(original);
            expect(apply(output)).toBe(output);
            expect(revert(original)).toBe(original);
            expect(codemod.isApplied(output, target, options)).toBe(true);
            expect(codemod.isApplied(input, target, options)).toBe(false);
            expect(detect(input).problems).toEqual([]);
            expect(detect(output)).toMatchObject({
              state: 'applied',
              problems: [],
            });
            expect(detect(original).state).toBe('not-applied');
          });

          it(`${name}: output is prettier-clean`, async () => {
            expect(await prettierClean(output, ext, options)).toBe(true);
          });

          if (ext === 'ts') {
            it(`${name}: revert keeps a user edit made after apply`, () => {
              expect(revert(editedByUser(output))).toBe(editedByUser(original));
            });
          }
        } else if (errors !== undefined) {
          it(`${name}: the detector names the missing anchor, apply refuses`, () => {
            const detection = detect(input);
            const lines = detection.problems.map(
              (p) => `${p.anchor}: ${p.expected}`,
            );
            expect(lines.join('\n')).toBe(errors.trimEnd());
            expect(() => apply(input)).toThrow(CodemodError);
            try {
              apply(input);
            } catch (err) {
              expect((err as CodemodError).problems).toEqual(
                detection.problems,
              );
              expect((err as CodemodError).message).toContain(target);
            }
          });
        } else {
          it(`${name}: not applicable, left untouched`, () => {
            expect(detect(input)).toMatchObject({
              state: 'not-applicable',
              problems: [],
            });
            expect(apply(input)).toBe(input);
            expect(revert(input)).toBe(input);
            expect(codemod.isApplied(input, target, options)).toBe(false);
          });
        }
      }
    });
  }
}

describe('partial states', () => {
  it('are reported as partial with the parts that are there', async () => {
    const codemod = await codexCodemod('add-provider-routing-host');
    const input = read(
      path.join(codex.fixtures, codemod.id),
      'partial.input.ts',
    )!;
    const detection = codemod.detect(input, codemod.files);
    expect(detection.state).toBe('partial');
    expect(detection.parts?.filter((p) => p.applied).length).toBe(3);
  });

  it('are reported on a release without secrets on stdin too', async () => {
    const codemod = await codexCodemod('add-provider-routing-host');
    const input = read(
      path.join(codex.fixtures, codemod.id),
      'relay-partial.input.ts',
    )!;
    const detection = codemod.detect(input, codemod.files);
    expect(detection.state).toBe('partial');
    expect(
      detection.parts?.filter((p) => !p.applied).map((p) => p.name),
    ).toEqual([
      'args.push(...providerContainerArgs(containerName));',
      'releaseProviderContainer(containerName);',
    ]);
  });
});

describe('add-agent-provider-test-mock', async () => {
  const codemod = await codexCodemod('add-agent-provider-test-mock');
  const test = (specifier: string) =>
    `vi.mock('${specifier}', () => ({ TIMEZONE: 'UTC' }));\n`;

  it('finds the config mock of a test in a subfolder', () => {
    expect(
      codemod.detect(test('../config.js'), 'src/channels/x.test.ts').state,
    ).toBe('not-applied');
    expect(
      codemod.detect(test('./config.js'), 'src/channels/x.test.ts').state,
    ).toBe('not-applicable');
  });
});

describe('detect', () => {
  it('never throws, even on text that is not code', () => {
    for (const codemod of skills.flatMap((s) => Object.values(s.codemods))) {
      const detection = codemod.detect('%%% not code {{{', codemod.files);
      expect(detection.state).not.toBe('applied');
    }
  });
});
