/**
 * The exact patch a dry run prints on every 1.x sample variant, pinned: its
 * sha256 and a per-file summary sit in the snapshot beside this file. A
 * change to what the skill writes, on any variant, fails here and shows
 * which files changed; an intended change is recorded with `vitest -u`.
 * Moving code around (engine, codemods, templates) must leave them all equal.
 */
import { afterAll, describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';
import { pinned } from '../helpers/patch.js';
import {
  createSampleCopy,
  listVariants,
  type SampleCopy,
} from '../helpers/sample.js';

const copies: SampleCopy[] = [];
afterAll(async () => {
  await Promise.all(copies.map((copy) => copy.cleanup()));
});

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
      expect(pinned(dry.stdout)).toMatchSnapshot();
    },
  );
});
