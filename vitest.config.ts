import fs from 'node:fs';

import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Files that work on sample NanoClaw checkouts (they import test/helpers/sample)
 * run real installs, builds and the CLI, and take most of the run. They start first,
 * so the last minute is not one of them on one core while the other idles.
 * Within each group vitest's own order holds: by the durations of the last run where
 * it has them (a local re-run), else larger files first.
 */
class SampleFilesFirst extends BaseSequencer {
  override async sort(
    files: TestSpecification[],
  ): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const usesSamples = (spec: TestSpecification) =>
      /from '(?:\.\.?\/)+(?:test\/)?helpers\/sample\.js'/.test(
        fs.readFileSync(spec.moduleId, 'utf8'),
      );
    const heavy = sorted.filter(usesSamples);
    return [...heavy, ...sorted.filter((spec) => !heavy.includes(spec))];
  }
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The sample NanoClaw's own tests run inside its copies, with its own config.
    exclude: ['test/fixtures/**', 'node_modules/**', '.demo/**'],
    globalSetup: ['test/global-setup.ts'],
    // Many files spend much of their time waiting on child processes, servers and
    // timers; a third worker fills those gaps on two cores.
    maxWorkers: 3,
    // describe.concurrent in a file: two at a time, each one a full apply or more.
    maxConcurrency: 2,
    sequence: { sequencer: SampleFilesFirst },
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
