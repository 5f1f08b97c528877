import { ensureSampleInstall, listVariants } from './helpers/sample.js';

/**
 * Runs once before all test files: fill the sample's node_modules cache up front, so
 * test files running in parallel link it instead of racing to install it.
 */
export default async function setup(): Promise<void> {
  for (const variant of listVariants()) await ensureSampleInstall(variant);
}
