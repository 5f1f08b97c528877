import { ensureSampleInstall, listVariants } from './helpers/sample.js';

/**
 * Runs once before all test files: fill the sample's node_modules cache up front, so
 * test files running in parallel link it instead of racing to install it. The
 * lockfiles install side by side (each under its own lock); mostly npm waits on disk.
 */
export default async function setup(): Promise<void> {
  await Promise.all(
    listVariants().map((variant) => ensureSampleInstall(variant)),
  );
}
