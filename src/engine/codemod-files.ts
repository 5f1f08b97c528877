/**
 * Which target files a codemod edits, and what a pass read of the target:
 * kept apart from the pass (./edits.ts) so that finding the files never
 * loads the TypeScript compiler (skill-status with a kept detection).
 */
import picomatch from 'picomatch';

import type { FormattedCodemod as Codemod } from '../codemod/options.js';
import { listFiles } from '../core/fs-util.js';

/**
 * What a pass read of the target (./pass-cache.ts): each file by the sha256
 * of its text (null: not a file), and the files found under each folder a
 * codemod's glob searched.
 */
export interface PassInputs {
  files: Record<string, string | null>;
  listings: Record<string, string[]>;
}

/**
 * A codemod's target files: its exact path, or every file its glob matches
 * (the folder searched is noted in `listings` when given).
 */
export function codemodFiles(
  codemod: Codemod,
  root: string,
  listings?: PassInputs['listings'],
): string[] {
  const { isGlob, base } = picomatch.scan(codemod.files);
  if (!isGlob) return [codemod.files];
  const matches = picomatch(codemod.files);
  const found = listFiles(root, base);
  if (listings) listings[base] = found;
  return found.filter((file) => matches(file));
}
