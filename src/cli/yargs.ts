/**
 * yargs, from its CommonJS build. Its ES build is some forty small modules
 * (yargs, its parser, cliui, y18n, string-width), and Node 20 caches no
 * compiled ES modules: loading them took about 60 ms of every run. The
 * CommonJS build is one bundled file plus a few small ones: about 18 ms.
 * Same package, same API.
 */
import { createRequire } from 'node:module';

import type { Argv } from 'yargs';
import type * as Helpers from 'yargs/helpers';

const require = createRequire(import.meta.url);

/** A parser for these arguments (what `yargs(args)` is in the ES build). */
export const yargs = require('yargs/yargs') as (
  args: readonly string[],
  cwd?: string,
) => Argv;

export const { hideBin, Parser } = require('yargs/helpers') as typeof Helpers;
