/**
 * The README's "Adding a skill", followed literally: every fenced block
 * titled with a path (```ts title=codemods/<skill>/<id>.ts) is written at
 * that path into a copy of the tool, and the lines of the block titled
 * `commands` are run one by one in that copy (NANOCLAW: a copy of the base
 * sample). What the section says comes out is checked: the dry-run hunk in
 * the block titled `expected`, the status lines, a byte-for-byte remove.
 */
import { execa } from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as prettier from 'prettier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { FormattedCodemod } from '../../src/codemod/options.js';
import { TOOL_ROOT } from '../helpers/cli.js';
import {
  createSampleCopy,
  sampleEnv,
  treeSnapshot,
  type SampleCopy,
} from '../helpers/sample.js';

/** What a tool copy needs to build and run; node_modules is linked, not copied. */
const TOOL_PARTS = [
  'skills',
  'codemods',
  'templates',
  'src',
  'scripts',
  'package.json',
  'tsconfig.json',
];

interface Block {
  lang: string;
  title: string;
  body: string;
}

/** The fenced blocks of the README section `## Adding a skill` that carry a title. */
function sectionBlocks(): Block[] {
  const readme = fs.readFileSync(path.join(TOOL_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Adding a skill\n');
  expect(start, 'README has a "## Adding a skill" section').toBeGreaterThan(-1);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end === -1 ? undefined : end);
  const fence = /^```(\w+) title=(\S+)\n([\s\S]*?)^```$/gm;
  return [...section.matchAll(fence)].map(([, lang, title, body]) => ({
    lang,
    title,
    body,
  }));
}

const blocks = sectionBlocks();
const byTitle = (title: string): Block => {
  const block = blocks.find((b) => b.title === title);
  if (!block) throw new Error(`README: no block titled ${title}`);
  return block;
};
const files = blocks.filter((b) => b.title.includes('/'));
const commands = byTitle('commands').body.trim().split('\n');
const skill = JSON.parse(
  files.find((b) => b.title.endsWith('/skill.json'))!.body,
) as { name: string; codemods: string[]; templates: string[] };

let tool: string;
let sample: SampleCopy;

beforeAll(async () => {
  tool = fs.mkdtempSync(path.join(os.tmpdir(), 'skill-tool-'));
  for (const part of TOOL_PARTS) {
    fs.cpSync(path.join(TOOL_ROOT, part), path.join(tool, part), {
      recursive: true,
    });
  }
  fs.symlinkSync(
    path.join(TOOL_ROOT, 'node_modules'),
    path.join(tool, 'node_modules'),
  );
  for (const file of files) {
    const target = path.join(tool, file.title);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, file.body);
  }
  sample = await createSampleCopy('base', { install: false });
  // The section's first command: the other tests need the built copy.
  await run(command('npm run build'));
});

afterAll(async () => {
  if (tool) fs.rmSync(tool, { recursive: true, force: true });
  await sample?.cleanup();
});

/** One documented command, as a user types it in the tool's folder. */
async function run(line: string) {
  const result = await execa('sh', ['-c', line], {
    cwd: tool,
    env: { ...sampleEnv(), CI: '1', NO_COLOR: '1', NANOCLAW: sample.dir },
    extendEnv: false,
    reject: false,
    stripFinalNewline: false,
  });
  expect(result.exitCode, `${line}\n${result.stdout}${result.stderr}`).toBe(0);
  return { stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** The one command of the block that starts with these words (and has `flag`, or not). */
function command(
  start: string,
  flag?: { with: string } | { without: string },
): string {
  const found = commands.filter(
    (c) =>
      c.startsWith(start) &&
      (!flag ||
        ('with' in flag ? c.includes(flag.with) : !c.includes(flag.without))),
  );
  if (found.length !== 1) {
    throw new Error(`README commands: not one line starts with "${start}"`);
  }
  return found[0];
}

describe('README: Adding a skill', () => {
  it('documents a whole skill: manifest, SKILL.md, template, codemod, fixtures, commands', () => {
    const titles = files.map((b) => b.title);
    expect(titles).toContain(`skills/${skill.name}/SKILL.md`);
    for (const template of skill.templates) {
      expect(titles).toContain(`templates/${skill.name}/${template}`);
    }
    for (const id of skill.codemods) {
      expect(titles).toContain(`codemods/${skill.name}/${id}.ts`);
      expect(titles).toContain(
        `codemods/${skill.name}/__testfixtures__/${id}/basic.input.ts`,
      );
    }
    expect(commands.length).toBeGreaterThanOrEqual(5);
    // The files the section points to exist.
    expect(fs.existsSync(path.join(TOOL_ROOT, 'src/api/index.ts'))).toBe(true);
    expect(fs.existsSync(path.join(TOOL_ROOT, 'test/codemods.test.ts'))).toBe(
      true,
    );
  });

  it('its template passes NanoClaw prettier (singleQuote)', async () => {
    for (const template of skill.templates) {
      const rel = `templates/${skill.name}/${template}`;
      const ok = await prettier.check(byTitle(rel).body, {
        filepath: rel,
        singleQuote: true,
      });
      expect(ok, rel).toBe(true);
    }
  });

  it('builds, and the commands do what the section says', async () => {
    const before = await treeSnapshot(sample.dir);
    const apply = `npx apply-skill ${skill.name}`;

    const dry = await run(command(apply, { with: '--dry-run' }));
    const hunk = byTitle('expected').body.trimEnd();
    expect(dry.stdout).toContain(hunk);
    for (const template of skill.templates) {
      expect(dry.stdout).toContain(`+++ b/${template}`);
    }
    expect(await treeSnapshot(sample.dir)).toEqual(before);

    await run(command(apply, { without: '--dry-run' }));
    for (const template of skill.templates) {
      expect(fs.readFileSync(path.join(sample.dir, template), 'utf8')).toBe(
        byTitle(`templates/${skill.name}/${template}`).body,
      );
    }

    const status = await run(command('npx skill-status'));
    expect(status.stdout).toContain(`${skill.name}: applied`);
    for (const id of skill.codemods) {
      expect(status.stdout).toContain(`✔ ${id} (src/index.ts): applied`);
    }

    await run(command(`npx remove-skill ${skill.name}`));
    expect(await treeSnapshot(sample.dir)).toEqual(before);
  });

  it("the built codemod passes the section's fixtures", async () => {
    for (const id of skill.codemods) {
      const module = (await import(
        path.join(tool, 'dist', 'codemods', skill.name, `${id}.js`)
      )) as { codemod: FormattedCodemod };
      const { codemod } = module;
      const fixture = (name: string) =>
        byTitle(`codemods/${skill.name}/__testfixtures__/${id}/${name}`).body;
      const input = fixture('basic.input.ts');
      const output = fixture('basic.output.ts');
      expect(codemod.apply(input, codemod.files)).toBe(output);
      expect(codemod.revert(output, codemod.files)).toBe(input);
      expect(codemod.apply(output, codemod.files)).toBe(output);

      const missing = fixture('missing-anchor.input.ts');
      const problems = codemod
        .detect(missing, codemod.files)
        .problems.map((p) => `${p.anchor}: ${p.expected}`);
      expect(problems.join('\n')).toBe(
        fixture('missing-anchor.error.txt').trimEnd(),
      );
      expect(() => codemod.apply(missing, codemod.files)).toThrow();
    }
  });
});
