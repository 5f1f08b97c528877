import fs from 'node:fs';
import path from 'node:path';

import { SkillError } from './errors.js';
import type { SkillManifest } from './manifest.js';
import { parseJsonFile } from './package-json.js';

/** Resolve --target and check it is a NanoClaw checkout this skill understands. */
export function resolveTarget(
  target: string | undefined,
  manifest: SkillManifest,
): string {
  const root = path.resolve(target ?? process.cwd());
  if (!fs.existsSync(root)) {
    throw new SkillError(`Target folder ${root} does not exist.`, {
      file: root,
      hint: 'Pass your NanoClaw checkout with --target DIR, or run from inside it.',
    });
  }
  if (!fs.statSync(root).isDirectory()) {
    throw new SkillError(`--target ${root} is a file, not a folder.`, {
      file: root,
      hint: 'Pass the NanoClaw checkout folder (the one holding package.json), not a file in it.',
    });
  }
  const missing = manifest.requires.filter(
    (file) => !fs.existsSync(path.join(root, file)),
  );
  if (missing.length > 0) {
    throw new SkillError(
      `${root} does not look like a NanoClaw checkout: missing ${missing.join(', ')}.`,
      {
        file: path.join(root, missing[0]),
        hint: 'Run from your NanoClaw folder or pass --target DIR.',
      },
    );
  }
  const packageJson = path.join(root, 'package.json');
  parseJsonFile(fs.readFileSync(packageJson, 'utf8'), packageJson);
  return root;
}
