/**
 * Templates are NanoClaw's code: NanoClaw's CI runs `prettier --check`, and its
 * checkouts pin different prettier 3.x versions (3.8.1 among them; ours is newer).
 * Every template file must be stable under each, with NanoClaw's settings.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as prettierCurrent from 'prettier';
import * as prettier381 from 'prettier-3.8';
import { describe, expect, it } from 'vitest';

import { TOOL_ROOT } from './helpers/cli.js';

const TEMPLATES = path.join(TOOL_ROOT, 'templates');
const FORMATTED = /\.(ts|json|md)$/;

/** Every skill's template files, as templates/-relative paths. */
function templateFiles(): string[] {
  return fs
    .readdirSync(TEMPLATES, { recursive: true, encoding: 'utf8' })
    .filter((rel) => FORMATTED.test(rel) && !rel.includes('node_modules'))
    .sort();
}

const versions = [
  ['current', prettierCurrent],
  ['3.8.1', prettier381],
] as const;

describe.each(versions)('templates under prettier %s', (_name, prettier) => {
  it('every file is already formatted (singleQuote, as NanoClaw configures it)', async () => {
    const files = templateFiles();
    // Each skill's folder is walked (not only the Codex skill's).
    expect(files).toContain('add-healthcheck/src/healthcheck.ts');
    expect(files.length).toBeGreaterThan(20);
    const unformatted: string[] = [];
    for (const rel of files) {
      const source = fs.readFileSync(path.join(TEMPLATES, rel), 'utf8');
      const ok = await prettier.check(source, {
        filepath: rel,
        singleQuote: true,
      });
      if (!ok) unformatted.push(rel);
    }
    expect(unformatted).toEqual([]);
  });
});
