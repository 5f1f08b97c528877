/**
 * Remove keeps a template file the user changed since apply. When that file is
 * part of the build and imports something remove takes away (a file it
 * deletes, a name a codemod revert takes out of a file, the package it
 * uninstalls), the build after remove cannot pass: remove would write every
 * file, fail, and roll back, every time. This finds such files from the plan,
 * before anything is written, so remove can say so and point at --force.
 *
 * It reads imports with regular expressions, not the compiler: the main thread
 * never loads TypeScript, and a missed import only means the build says it.
 */
import path from 'node:path';
import picomatch from 'picomatch';

import type { Problem } from './edits.js';
import { parseJsonFile } from '../core/package-json.js';
import type { Tree } from './tree.js';

interface ImportRef {
  specifier: string;
  /** Names imported by name (`{ A, B as C }` gives A and B); empty for the rest. */
  names: string[];
}

const FROM_IMPORT =
  /\b(?:import|export)\s+(?:type\s+)?(\{[^}]*\}|\*(?:\s+as\s+[\w$]+)?|[\w$]+(?:\s*,\s*(?:\{[^}]*\}|\*\s+as\s+[\w$]+))?)\s*from\s*['"]([^'"\n]+)['"]/g;
const BARE_IMPORT = /\bimport\s*['"]([^'"\n]+)['"]/g;
const CALL_IMPORT = /\b(?:import|require)\s*\(\s*['"]([^'"\n]+)['"]\s*\)/g;
const DECLARED_EXPORT =
  /\bexport\s+(?:declare\s+)?(?:async\s+)?(?:abstract\s+)?(?:const|let|var|function\*?|class|interface|type|enum|namespace)\s+([\w$]+)/g;
const LISTED_EXPORT = /\bexport\s+(?:type\s+)?\{([^}]*)\}/g;

function withoutComments(code: string): string {
  return code
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:\\])\/\/.*$/gm, '$1');
}

function namesIn(braces: string, exported: boolean): string[] {
  const inner = /\{([^}]*)\}/.exec(braces)?.[1] ?? '';
  return inner
    .split(',')
    .map((item) => item.trim().replace(/^type\s+/, ''))
    .filter(Boolean)
    .map((item) => {
      const [name, alias] = item.split(/\s+as\s+/);
      return (exported ? (alias ?? name) : name).trim();
    });
}

export function importsOf(code: string): ImportRef[] {
  const text = withoutComments(code);
  const refs: ImportRef[] = [];
  for (const match of text.matchAll(FROM_IMPORT)) {
    refs.push({ specifier: match[2], names: namesIn(match[1], false) });
  }
  for (const pattern of [BARE_IMPORT, CALL_IMPORT]) {
    for (const match of text.matchAll(pattern)) {
      refs.push({ specifier: match[1], names: [] });
    }
  }
  return refs;
}

/** Names a module exports, or undefined when it re-exports everything from elsewhere. */
function exportsOf(code: string): Set<string> | undefined {
  const text = withoutComments(code);
  if (/\bexport\s+\*/.test(text)) return undefined;
  const names = new Set<string>();
  for (const match of text.matchAll(DECLARED_EXPORT)) names.add(match[1]);
  for (const match of text.matchAll(LISTED_EXPORT)) {
    for (const name of namesIn(`{${match[1]}}`, true)) names.add(name);
  }
  return names;
}

/** The files a relative specifier may name, TypeScript-style (`./a.js` is `./a.ts`). */
function candidates(from: string, specifier: string): string[] {
  const base = path.posix.normalize(
    path.posix.join(path.posix.dirname(from), specifier),
  );
  const stem = base.replace(/\.(m|c)?js$/, '');
  return [
    base,
    ...['.ts', '.tsx', '.mts', '.cts', '.d.ts'].map((ext) => stem + ext),
    ...['/index.ts', '/index.tsx'].map((index) => base + index),
  ];
}

/** Package name of a bare specifier (`@scope/name/sub` gives `@scope/name`). */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const asDirGlob = (pattern: string): string => {
  const clean = pattern.replace(/^\.\//, '').replace(/\/$/, '');
  const last = clean.split('/').at(-1) ?? '';
  return /[*?]/.test(last) || last.includes('.') ? clean : `${clean}/**/*`;
};

/** Whether the target's tsconfig.json compiles this file (its include/files/exclude). */
function compiledByBuild(tree: Tree, file: string): boolean {
  const text = tree.read('tsconfig.json');
  if (text === null) return true;
  let config: { include?: string[]; files?: string[]; exclude?: string[] };
  try {
    config = parseJsonFile(text, 'tsconfig.json');
  } catch {
    return true; // The build will say what is wrong with it.
  }
  if (config.files?.includes(file)) return true;
  const include = config.include ?? (config.files ? [] : ['**/*']);
  const exclude = config.exclude ?? ['node_modules'];
  return (
    picomatch(include.map(asDirGlob))(file) &&
    !picomatch(exclude.map(asDirGlob))(file)
  );
}

/** Why importing `ref` from `file` cannot work once the plan is written, if it cannot. */
function brokenImport(
  tree: Tree,
  file: string,
  ref: ImportRef,
  before: Map<string, string | null>,
  removedPackages: string[],
): string | undefined {
  if (!ref.specifier.startsWith('.')) {
    return removedPackages.includes(packageName(ref.specifier))
      ? `imports ${ref.specifier}, which remove uninstalls`
      : undefined;
  }
  const paths = candidates(file, ref.specifier);
  const target = paths.find((p) => tree.read(p) !== null);
  if (!target) {
    const deleted = paths.some((p) => before.get(p));
    return deleted
      ? `imports ${ref.specifier}, which remove deletes`
      : undefined;
  }
  const old = before.get(target);
  if (!old || ref.names.length === 0) return undefined;
  const had = exportsOf(old);
  const has = exportsOf(tree.read(target)!);
  if (!had || !has) return undefined;
  const gone = ref.names.filter((name) => had.has(name) && !has.has(name));
  return gone.length > 0
    ? `imports ${gone.join(', ')} from ${ref.specifier}, which remove takes out of ${target}`
    : undefined;
}

/**
 * Problems (forceable) for kept files whose imports the plan breaks. `tree`
 * holds the plan; `removedPackages` are uninstalled by the run.
 */
export function keptFilesBreakingTheBuild(
  tree: Tree,
  kept: string[],
  removedPackages: string[],
): Problem[] {
  const before = new Map(
    tree.changes().map((change) => [change.path, change.before]),
  );
  const problems: Problem[] = [];
  for (const file of kept) {
    const code = tree.read(file);
    if (code === null || !/\.(c|m)?tsx?$/.test(file)) continue;
    if (!compiledByBuild(tree, file)) continue;
    const reasons = importsOf(code)
      .map((ref) => brokenImport(tree, file, ref, before, removedPackages))
      .filter((reason): reason is string => reason !== undefined);
    if (reasons.length === 0) continue;
    problems.push({
      file,
      message: `changed since apply, so remove would keep it; but it ${[...new Set(reasons)].join('; it ')}: the build after remove would fail. --force deletes it as well (save your changes elsewhere first)`,
      forceable: true,
    });
  }
  return problems;
}
