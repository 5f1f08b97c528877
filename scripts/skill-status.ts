#!/usr/bin/env node
// Checking edits loads ts-morph here, so the compile cache goes on first.
import {
  enableCompileCache,
  saveCompileCache,
} from '../src/engine/compile-cache.js';

enableCompileCache();
const { runInspectCli } = await import('../src/cli/inspect-cli.js');

process.exitCode = await runInspectCli('status');
saveCompileCache();
