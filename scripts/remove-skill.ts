#!/usr/bin/env node
import { runCli } from '../src/cli.js';
import { exitQuietlyOnClosedPipe } from '../src/exit-on-closed-pipe.js';

exitQuietlyOnClosedPipe();
process.exitCode = await runCli('remove');
