/**
 * Which entries of the project's folder can change a tsc build, for
 * ./tsc-memo.cjs. tsc finds a project's files by listing the project's
 * folder and going down only into the folders its `include` patterns can
 * match. When every pattern starts with a plain folder name (src/ then a
 * wildcard, plugins/ then one), only the entries with those names count: another
 * entry there (a copy's data/ from a run of NanoClaw, a variant's vendor/)
 * is never looked into, so a build recorded without it replays with it.
 * A tsconfig that says less plainly (comments, `extends` for its include,
 * a pattern starting with a wildcard or naming a file at the top) keeps
 * every entry counting.
 *
 * Plain CommonJS for the same reason as ./tsc-memo.cjs.
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');

/** The tsconfig a tsc command line compiles, or undefined for other modes (-b). */
function configFileOf(args, cwd) {
  if (args.some((arg) => arg === '-b' || arg === '--build')) return undefined;
  const at = args.findIndex((arg) => arg === '-p' || arg === '--project');
  if (at === -1) return path.join(cwd, 'tsconfig.json');
  const given = path.resolve(cwd, args[at + 1] ?? '');
  try {
    return fs.statSync(given).isDirectory()
      ? path.join(given, 'tsconfig.json')
      : given;
  } catch {
    return undefined;
  }
}

/** The folder name a pattern starts with, when it is plainly one. */
function leadingFolder(pattern) {
  if (typeof pattern !== 'string') return undefined;
  const segments = pattern.replace(/^\.\//, '').split('/');
  const [first] = segments;
  if (!first || first === '.' || first === '..' || /[*?[\]{}]/.test(first)) {
    return undefined;
  }
  // "src" alone is the folder src/; "index.ts" alone is a file at the top.
  if (segments.length === 1 && first.includes('.')) return undefined;
  return first;
}

/**
 * `{ dir, names }`: the project's folder (as recorded, `./...`) and the only
 * entries of it that count; undefined when every entry counts.
 */
function includeScope(args, cwd, relative) {
  const configFile = configFileOf(args, cwd);
  if (!configFile) return undefined;
  let include;
  try {
    ({ include } = JSON.parse(fs.readFileSync(configFile, 'utf8')));
  } catch {
    return undefined;
  }
  if (!Array.isArray(include) || include.length === 0) return undefined;
  const names = include.map(leadingFolder);
  if (names.includes(undefined)) return undefined;
  return {
    dir: relative(path.dirname(configFile)),
    names: [...new Set(names)].sort(),
  };
}

module.exports = { includeScope };
