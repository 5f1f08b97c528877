/**
 * `prettier --check <glob>` in this process, for tests that assert only "these
 * files are formatted" (a sample's own CI check). A prettier process spends
 * most of its time starting; here the prettier of each sample install is
 * loaded once and asked about each file with what the CLI would use: the
 * options it resolves for the file (.prettierrc, .editorconfig) and its
 * default ignore files (.gitignore, .prettierignore).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import picomatch from 'picomatch';

import { listFiles } from '../../src/core/fs-util.js';

type Prettier = typeof import('prettier');

const loaded = new Map<string, Promise<Prettier>>();

function prettierOf(installDir: string): Promise<Prettier> {
  let prettier = loaded.get(installDir);
  if (!prettier) {
    const entry = createRequire(path.join(installDir, 'package.json')).resolve(
      'prettier',
    );
    prettier = import(pathToFileURL(entry).href) as Promise<Prettier>;
    loaded.set(installDir, prettier);
  }
  return prettier;
}

/**
 * Files below `dir` (relative, POSIX) matching `glob`, found the way a
 * codemod's glob finds them (src/engine/codemod-files.ts): node_modules and
 * the target's other unwalked folders left out.
 */
function matching(dir: string, glob: string): string[] {
  const { base } = picomatch.scan(glob);
  const matches = picomatch(glob);
  return listFiles(dir, base).filter((file) => matches(file));
}

/**
 * The files matching `glob` in `dir` that the prettier of `installDir` (a
 * sample install, from ensureSampleInstall) would rewrite: what
 * `prettier --check <glob>` lists. Empty when all are formatted.
 */
export async function unformattedFiles(
  dir: string,
  installDir: string,
  glob: string,
): Promise<string[]> {
  const prettier = await prettierOf(installDir);
  const ignorePath = ['.gitignore', '.prettierignore'].map((name) =>
    path.join(dir, name),
  );
  const unformatted: string[] = [];
  for (const file of matching(dir, glob)) {
    const absolute = path.join(dir, file);
    if ((await prettier.getFileInfo(absolute, { ignorePath })).ignored)
      continue;
    const options = await prettier.resolveConfig(absolute, {
      editorconfig: true,
    });
    const text = fs.readFileSync(absolute, 'utf8');
    if (!(await prettier.check(text, { ...options, filepath: absolute }))) {
      unformatted.push(file);
    }
  }
  return unformatted;
}
