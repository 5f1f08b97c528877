/**
 * The target's format settings as codemods get them
 * (src/codemod/format-config.ts, src/codemod/options.ts): read from its
 * prettier config as prettier would, and the code a codemod writes in that
 * style (src/codemod/format.ts). Also the round-trip guard's message
 * (src/codemod/round-trip.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import {
  PRETTIER_DEFAULTS,
  readFormatOptions,
} from '../src/codemod/format-config.js';
import { styled } from '../src/codemod/format.js';
import { exportedNames, readCodemodOptions } from '../src/codemod/options.js';
import { roundTripMessage } from '../src/codemod/round-trip.js';
import { materialiseSample } from './helpers/sample.js';
import { codexCodemod } from './helpers/codemods.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

function target(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'codemods-format-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

describe('readFormatOptions', () => {
  it("gives prettier's defaults without a config", () => {
    expect(readFormatOptions(target({}))).toEqual({
      format: PRETTIER_DEFAULTS,
    });
  });

  it('reads .prettierrc as JSON or YAML, and .prettierrc.json', () => {
    expect(
      readFormatOptions(
        target({ '.prettierrc': '{ "singleQuote": true, "printWidth": 120 }' }),
      ).format,
    ).toMatchObject({ singleQuote: true, printWidth: 120, semi: true });
    expect(
      readFormatOptions(
        target({
          '.prettierrc':
            '# ours\nsemi: false\ntrailingComma: "es5"\ntabWidth: 4\n',
        }),
      ),
    ).toEqual({
      format: {
        ...PRETTIER_DEFAULTS,
        semi: false,
        trailingComma: 'es5',
        tabWidth: 4,
      },
      configFile: '.prettierrc',
    });
    expect(
      readFormatOptions(
        target({ '.prettierrc.json': '{ "trailingComma": "none" }' }),
      ).format.trailingComma,
    ).toBe('none');
  });

  it('takes the "prettier" key of package.json first, as prettier does', () => {
    const root = target({
      'package.json': JSON.stringify({ prettier: { printWidth: 100 } }),
      '.prettierrc': '{ "printWidth": 120 }',
    });
    expect(readFormatOptions(root)).toMatchObject({
      format: { printWidth: 100 },
      configFile: 'package.json',
    });
  });

  it('applies the overrides that match TypeScript files', () => {
    const root = target({
      '.prettierrc': JSON.stringify({
        printWidth: 100,
        overrides: [
          { files: '*.ts', options: { printWidth: 120, semi: false } },
          { files: ['*.md'], options: { printWidth: 60 } },
        ],
      }),
    });
    expect(readFormatOptions(root).format).toMatchObject({
      printWidth: 120,
      semi: false,
    });
  });

  it('reads the top level of a YAML config with overrides', () => {
    const root = target({
      '.prettierrc.yaml':
        'printWidth: 100\noverrides:\n  - files: "*.md"\n    options:\n      printWidth: 60\n',
    });
    expect(readFormatOptions(root).format.printWidth).toBe(100);
  });

  it('takes .editorconfig for what the prettier config does not set, as the CLI does', () => {
    const editorconfig = [
      'root = true',
      '[*]',
      'max_line_length = 100',
      '[*.{js,ts}]',
      'indent_size = 4',
      '[*.md]',
      'max_line_length = off',
    ].join('\n');
    expect(
      readFormatOptions(target({ '.editorconfig': editorconfig })).format,
    ).toMatchObject({ printWidth: 100, tabWidth: 4 });
    expect(
      readFormatOptions(
        target({
          '.editorconfig': editorconfig,
          '.prettierrc': '{ "printWidth": 120 }',
        }),
      ).format.printWidth,
    ).toBe(120);
  });

  it('names a config it cannot read without running prettier, and uses the defaults', () => {
    expect(
      readFormatOptions(target({ 'prettier.config.js': 'export default {}' })),
    ).toEqual({
      format: PRETTIER_DEFAULTS,
      unreadConfig: 'prettier.config.js',
    });
    expect(
      readFormatOptions(
        target({
          'package.json': '{ "prettier": "@company/prettier-config" }',
        }),
      ),
    ).toEqual({ format: PRETTIER_DEFAULTS, unreadConfig: 'package.json' });
  });
});

describe('readCodemodOptions on the sample variants', () => {
  it("reads each variant's own settings and what container-runtime.ts exports", async () => {
    const read = async (variant: string) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'codemods-format-'));
      dirs.push(dir);
      await materialiseSample(variant, dir);
      return readCodemodOptions(dir);
    };
    const base = await read('base');
    expect(base.format).toMatchObject({ printWidth: 80, singleQuote: true });
    expect((await read('width-120')).format).toMatchObject({
      printWidth: 120,
      singleQuote: true,
    });
    expect(
      (await read('credential-proxy')).targetExports?.[
        'src/container-runtime.ts'
      ],
    ).toContain('PROXY_BIND_HOST');
    expect(
      (await read('onecli')).targetExports?.['src/container-runtime.ts'],
    ).not.toContain('PROXY_BIND_HOST');
  });

  it('finds exported names of every kind', () => {
    expect(
      exportedNames(
        [
          'export const A = 1;',
          'export async function b() {}',
          'export interface C {}',
          'const d = 1, e = 2;',
          'export { d, e as E };',
        ].join('\n'),
      ),
    ).toEqual(['A', 'C', 'E', 'b', 'd']);
  });
});

describe('styled', () => {
  const format = { ...PRETTIER_DEFAULTS };

  it("writes strings in the target's quotes and drops semicolons it does not use", () => {
    expect(
      styled("const x = f('a', `b ${'c'}`); // 'd'", {
        ...format,
        singleQuote: false,
        semi: false,
      }),
    ).toBe("const x = f(\"a\", `b ${'c'}`) // 'd'");
    expect(styled('x = "it\'s";', { ...format, singleQuote: true })).toBe(
      'x = "it\'s";',
    );
    expect(styled("x = 'a';", { ...format, singleQuote: true })).toBe(
      "x = 'a';",
    );
  });
});

describe('a codemod called with the target options', () => {
  it('follows its print width, quotes and semicolons', async () => {
    const codemod = await codexCodemod('add-agent-provider-config');
    const input = [
      "import { readEnvFile } from './env.js';",
      '',
      "const envConfig = readEnvFile(['ASSISTANT_NAME', 'ASSISTANT_HAS_OWN_NUMBER']);",
      '',
    ].join('\n');
    const wide = codemod.apply(input, 'src/config.ts', {
      format: { printWidth: 140 },
    });
    expect(wide).toContain(
      "readEnvFile(['ASSISTANT_NAME', 'ASSISTANT_HAS_OWN_NUMBER', 'AGENT_PROVIDER']);",
    );
    expect(wide).toContain(
      "export const AGENT_PROVIDER: AgentProvider = (process.env.AGENT_PROVIDER || envConfig.AGENT_PROVIDER || 'claude') as AgentProvider;",
    );
    expect(
      codemod.revert(wide, 'src/config.ts', { format: { printWidth: 140 } }),
    ).toBe(input);
    // The default is NanoClaw's own settings: width 80, single quotes.
    expect(codemod.apply(input, 'src/config.ts')).toContain(
      "  'AGENT_PROVIDER',\n]);",
    );
  });
});

describe('roundTripMessage', () => {
  it('names the codemod, the file and the line, blames the tool and says how to report it', () => {
    const message = roundTripMessage({
      codemod: 'add-provider-routing-host',
      file: 'src/container-runner.ts',
      before: 'a\nb\nimport { x, y } from "./z.js";\n',
      reverted: 'a\nb\nimport {\n  x,\n  y,\n} from "./z.js";\n',
    });
    expect(message).toContain('codemod add-provider-routing-host');
    expect(message).toContain('src/container-runner.ts');
    expect(message).toContain('line 3 (`import { x, y } from "./z.js";`)');
    expect(message).toContain(
      'limitation of the skill applicator, not a problem in your code',
    );
    expect(message).toMatch(/report it .*maintainers/);
    expect(message).toContain('skill-status --json');
  });
});
