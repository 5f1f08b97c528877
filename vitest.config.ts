import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const ROOT = path.dirname(fileURLToPath(import.meta.url));

/**
 * Longest files first, so that the last minute is short files on both cores
 * rather than one long file on one (longest processing time first). vitest
 * does this itself from the durations of an earlier run on this machine; a
 * fresh clone (CI) has none, so test/durations.json holds the seconds each
 * file took in a whole run: refresh it when files are added or change much
 * (from the per-file times `npm test` prints). A file it does not list counts
 * as long when it works on sample NanoClaw checkouts (imports
 * test/helpers/sample: real installs, builds and CLI runs), else as short.
 */
class LongestFirst extends BaseSequencer {
  override async sort(
    files: TestSpecification[],
  ): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const durations = JSON.parse(
      fs.readFileSync(path.join(ROOT, 'test', 'durations.json'), 'utf8'),
    ) as Record<string, number>;
    const seconds = (spec: TestSpecification) => {
      const known = durations[path.relative(ROOT, spec.moduleId)];
      if (known !== undefined) return known;
      return /from '(?:\.\.?\/)+(?:test\/)?helpers\/sample\.js'/.test(
        fs.readFileSync(spec.moduleId, 'utf8'),
      )
        ? 60
        : 0;
    };
    // A stable sort: files of equal weight keep vitest's own order.
    return sorted
      .map((spec) => ({ spec, weight: seconds(spec) }))
      .sort((a, b) => b.weight - a.weight)
      .map(({ spec }) => spec);
  }
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The sample NanoClaw's own tests run inside its copies, with its own config.
    exclude: ['test/fixtures/**', 'node_modules/**', '.demo/**'],
    globalSetup: ['test/global-setup.ts'],
    // Many files spend much of their time waiting on child processes, servers and
    // timers; two more workers fill those gaps on two cores (4 measured ~3% faster
    // than 3 on the idle 2-core VM).
    maxWorkers: 4,
    // describe.concurrent in a file: two at a time, each one a full apply or more.
    maxConcurrency: 2,
    sequence: { sequencer: LongestFirst },
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
