#!/usr/bin/env node
// Checking edits loads ts-morph here, so the compile cache goes on first.
import { enableCompileCache, saveCompileCache } from '../src/compile-cache.js';

enableCompileCache();
const { runInspectCli } = await import('../src/inspect-cli.js');

process.exitCode = await runInspectCli('status');
saveCompileCache();
