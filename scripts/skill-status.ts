#!/usr/bin/env node
import { runInspectCli } from '../src/inspect-cli.js';

process.exitCode = await runInspectCli('status');
