#!/usr/bin/env node
// The codemod worker starts before anything else loads: see src/edit-runner.ts.
import { prestartEditWorker } from '../src/engine/edit-runner.js';

await prestartEditWorker(process.argv.slice(2), 'remove');
const { runCli } = await import('../src/cli/cli.js');
const { exitQuietlyOnClosedPipe } =
  await import('../src/cli/exit-on-closed-pipe.js');

exitQuietlyOnClosedPipe();
process.exitCode = await runCli('remove');
