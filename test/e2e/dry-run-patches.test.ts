/**
 * The exact patch a dry run prints on every 1.x sample variant, pinned: its
 * sha256 and a per-file summary sit in the snapshot beside this file. A
 * change to what the skill writes, on any variant, fails here and shows
 * which files changed; an intended change is recorded with `vitest -u`.
 * Moving code around (engine, codemods, templates) must leave them all equal.
 */
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';
import {
  createSampleCopy,
  listVariants,
  type SampleCopy,
} from '../helpers/sample.js';

const copies: SampleCopy[] = [];
afterAll(async () => {
  await Promise.all(copies.map((copy) => copy.cleanup()));
});

/** `path +added -removed` per file of a unified diff, in its order. */
function diffstat(patch: string): string[] {
  const files: string[] = [];
  let added = 0;
  let removed = 0;
  let current: string | undefined;
  const flush = () => {
    if (current) files.push(`${current} +${added} -${removed}`);
  };
  for (const line of patch.split('\n')) {
    const header = /^diff --git a\/(.+) b\//.exec(line);
    if (header) {
      flush();
      current = header[1];
      added = 0;
      removed = 0;
    } else if (line.startsWith('+') && !line.startsWith('+++ ')) {
      added++;
    } else if (line.startsWith('-') && !line.startsWith('--- ')) {
      removed++;
    }
  }
  flush();
  return files;
}

// 2.x is refused (dry-run.test.ts); a copy installed where the target's own
// prettier decides how the templates are laid out (another print width).
const CASES = listVariants()
  .filter((variant) => variant !== 'v2')
  .map((variant) => ({ variant, install: variant === 'width-120' }));

describe('the dry-run patch', () => {
  it.each(CASES)(
    'on the $variant sample is the pinned one',
    async ({ variant, install }) => {
      const copy = await createSampleCopy(variant, { install });
      copies.push(copy);
      const dry = await runCli('apply-skill', [
        'add-codex-provider',
        '--target',
        copy.dir,
        '--dry-run',
      ]);
      expect(dry.exitCode, dry.stderr).toBe(0);
      const sha256 = createHash('sha256').update(dry.stdout).digest('hex');
      expect({ sha256, files: diffstat(dry.stdout) }).toMatchSnapshot();
    },
  );
});
