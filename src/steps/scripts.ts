/**
 * package.json scripts, run the way `npm run <name>` runs them, but without
 * starting npm (a third of a second of CPU each time): `sh -c <script>` in
 * the package folder, with the PATH npm gives a script (every
 * node_modules/.bin from that folder up to the root, then the caller's PATH)
 * and npm's lifecycle variables. Only where that is all npm would do: with a
 * pre- or post-script, on Windows, or without the script, it is npm itself.
 *
 * NanoClaw's build after the skill is `<its own build> && tsc -p
 * tsconfig.plugins.json` (codemods/add-codex-provider/add-plugins-build.ts appends the second
 * command). splitBuild returns the two commands so that apply can start the
 * first while the skill's package installs and builds: only the second one
 * needs that package. They still run in that order, and both must pass.
 */
import fs from 'node:fs';
import path from 'node:path';

import { parseJsonFile } from '../core/package-json.js';

/** What codemods/add-codex-provider/add-plugins-build.ts appends to the build script. */
export const PLUGINS_BUILD = 'tsc -p tsconfig.plugins.json';

interface PackageFile {
  name?: string;
  version?: string;
  scripts?: Record<string, string>;
}

/** A program to run for a script, and how a failure names it. */
export interface ScriptCommand {
  file: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** As shown in a failure message. */
  shown: string;
}

function readPackage(dir: string): PackageFile | undefined {
  const file = path.join(dir, 'package.json');
  try {
    return parseJsonFile(fs.readFileSync(file, 'utf8'), file) as PackageFile;
  } catch {
    return undefined;
  }
}

/** npm's PATH for a script in `dir`: @npmcli/run-script's setPATH. */
export function scriptPath(dir: string): string {
  const bins: string[] = [];
  let current = path.resolve(dir);
  for (;;) {
    bins.push(path.join(current, 'node_modules', '.bin'));
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  return [...bins, process.env.PATH ?? ''].join(path.delimiter);
}

const npmRun = (name: string): ScriptCommand => ({
  file: 'npm',
  args: ['run', name],
  shown: `npm run ${name}`,
});

/**
 * `line` (the script `name`, or one command of it) as npm would run it in
 * `dir`. Without a shell of npm's kind (Windows) it is `npm run <name>`.
 */
function shellCommand(
  dir: string,
  name: string,
  pkg: PackageFile,
  line: string,
): ScriptCommand {
  const env: NodeJS.ProcessEnv = {
    PATH: scriptPath(dir),
    npm_lifecycle_event: name,
    npm_lifecycle_script: pkg.scripts?.[name] ?? line,
    npm_package_json: path.join(dir, 'package.json'),
    npm_package_name: pkg.name,
    npm_package_version: pkg.version,
    npm_node_execpath: process.execPath,
    npm_command: 'run-script',
    INIT_CWD: dir,
  };
  for (const key of Object.keys(env)) {
    if (env[key] === undefined) delete env[key];
  }
  return { file: 'sh', args: ['-c', line], env, shown: line };
}

/** Whether npm would run exactly scripts[name] and nothing else. */
function runsAlone(pkg: PackageFile | undefined, name: string): boolean {
  const scripts = pkg?.scripts ?? {};
  return (
    process.platform !== 'win32' &&
    typeof scripts[name] === 'string' &&
    scripts[`pre${name}`] === undefined &&
    scripts[`post${name}`] === undefined
  );
}

/** `npm run <name>` in `dir`, without npm when that is all npm would do. */
export function scriptCommand(dir: string, name: string): ScriptCommand {
  const pkg = readPackage(dir);
  if (!pkg || !runsAlone(pkg, name)) return npmRun(name);
  return shellCommand(dir, name, pkg, pkg.scripts![name]);
}

/**
 * Whether `sh -c "<head> && <tail>"` is `sh -c "<head>"`, then, when that
 * passed, `sh -c "<tail>"`: the head is one and-or list of its own. Quotes
 * must close, parentheses balance, and nothing at its top level may end the
 * list (`;`, a lone `&`, a newline) or comment out the rest (`#`).
 */
export function standsAlone(head: string): boolean {
  let quote: string | undefined;
  let depth = 0;
  for (let i = 0; i < head.length; i++) {
    const char = head[i];
    if (quote) {
      if (char === quote) quote = undefined;
      else if (char === '\\' && quote === '"') i++;
      continue;
    }
    if (char === '\\') {
      i++;
    } else if (char === "'" || char === '"' || char === '`') {
      quote = char;
    } else if (char === '(') {
      depth++;
    } else if (char === ')') {
      if (--depth < 0) return false;
    } else if (char === ';' || char === '\n' || char === '#') {
      return false;
    } else if (char === '&') {
      if (head[i + 1] !== '&') return false;
      i++;
    }
  }
  return quote === undefined && depth === 0;
}

/** NanoClaw's build as its two commands: its own, then the plugin compile. */
export interface SplitBuild {
  /** The build the target had before the skill; undefined when it was empty. */
  own?: ScriptCommand;
  plugins: ScriptCommand;
}

/**
 * The target's `build` script as two commands, or undefined when it is not
 * `<own build> && tsc -p tsconfig.plugins.json` run alone (pre- or
 * post-scripts, another shape): then it runs whole, as `npm run build`.
 */
export function splitBuild(root: string): SplitBuild | undefined {
  const pkg = readPackage(root);
  if (!pkg || !runsAlone(pkg, 'build')) return undefined;
  const script = pkg.scripts!.build.trim();
  const suffix = ` && ${PLUGINS_BUILD}`;
  let own: string | undefined;
  if (script === PLUGINS_BUILD) own = undefined;
  else if (script.endsWith(suffix)) own = script.slice(0, -suffix.length);
  else return undefined;
  if (own !== undefined && (!own.trim() || !standsAlone(own))) return undefined;
  return {
    own: own === undefined ? undefined : shellCommand(root, 'build', pkg, own),
    plugins: shellCommand(root, 'build', pkg, PLUGINS_BUILD),
  };
}
