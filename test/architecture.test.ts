/**
 * The import graph of src/, skills/ and codemods/, read from the sources:
 * no import circles, and imports only going down the engine's layers
 * (cli -> commands -> steps -> engine -> codemod -> core; api re-exports for
 * skills). A skill reaches the engine only through src/api/, and the engine
 * never imports a skill (it loads a skill's hooks and codemods by path).
 */
import fs from 'node:fs';
import path from 'node:path';

import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const SCANNED = ['src', 'skills', 'codemods'];

/** Lower layers first: a folder may import its own layer and those below. */
const LAYERS = ['core', 'codemod', 'engine', 'steps', 'api', 'commands', 'cli'];

function sourceFiles(dir: string): string[] {
  const absolute = path.join(ROOT, dir);
  if (!fs.existsSync(absolute)) return [];
  return fs
    .readdirSync(absolute, { recursive: true, encoding: 'utf8' })
    .map((file) => path.posix.join(dir, file.split(path.sep).join('/')))
    .filter(
      (file) =>
        file.endsWith('.ts') &&
        !file.endsWith('.d.ts') &&
        !file.includes('__testfixtures__'),
    );
}

/** Relative imports of a file (static, dynamic with a literal, re-exports), as repo paths. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const { importedFiles } = ts.preProcessFile(text, true, true);
  return importedFiles
    .map((imported) => imported.fileName)
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) =>
      path.posix
        .join(path.posix.dirname(file), specifier)
        .replace(/\.js$/, '.ts'),
    );
}

const files = SCANNED.flatMap(sourceFiles);
const graph = new Map(files.map((file) => [file, importsOf(file)]));
const edges = [...graph].flatMap(([from, targets]) =>
  targets.map((to) => ({ from, to })),
);

const srcLayer = (file: string) =>
  file.startsWith('src/') ? file.split('/')[1] : undefined;
const skillOf = (file: string) => file.split('/')[1];

function findCycle(): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): string[] | undefined => {
    if (state.get(file) === 'done') return undefined;
    if (state.get(file) === 'open')
      return [...stack.slice(stack.indexOf(file)), file];
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(file, 'done');
    return undefined;
  };
  for (const file of graph.keys()) {
    const cycle = visit(file);
    if (cycle) return cycle;
  }
  return undefined;
}

describe('architecture', () => {
  it('reads a real graph (every import resolves to a scanned file)', () => {
    expect(files.length).toBeGreaterThan(50);
    const unresolved = edges.filter(
      ({ to }) =>
        SCANNED.some((dir) => to.startsWith(`${dir}/`)) && !graph.has(to),
    );
    expect(unresolved).toEqual([]);
  });

  it('has no import circles', () => {
    expect(findCycle()).toBeUndefined();
  });

  it('src/ imports only go down the layers', () => {
    for (const layer of new Set(files.map(srcLayer))) {
      if (layer) expect(LAYERS, `src/${layer}/ has no layer`).toContain(layer);
    }
    const upwards = edges
      .filter(({ from, to }) => srcLayer(from) && srcLayer(to))
      .filter(
        ({ from, to }) =>
          LAYERS.indexOf(srcLayer(to)!) > LAYERS.indexOf(srcLayer(from)!),
      )
      .map(({ from, to }) => `${from} -> ${to}`);
    expect(upwards).toEqual([]);
  });

  it('nothing in src/ but the api imports src/api/, and src/ never imports a skill or a codemod', () => {
    const wrong = edges
      .filter(({ from }) => from.startsWith('src/'))
      .filter(
        ({ from, to }) =>
          !to.startsWith('src/') ||
          (to.startsWith('src/api/') && !from.startsWith('src/api/')),
      )
      .map(({ from, to }) => `${from} -> ${to}`);
    expect(wrong).toEqual([]);
  });

  it('skills import only src/api/ and their own folder', () => {
    const wrong = edges
      .filter(({ from }) => from.startsWith('skills/'))
      .filter(
        ({ from, to }) =>
          !to.startsWith('src/api/') &&
          !to.startsWith(`skills/${skillOf(from)}/`),
      )
      .map(({ from, to }) => `${from} -> ${to}`);
    expect(wrong).toEqual([]);
  });

  it('codemods import only the codemod toolkit and their own folder', () => {
    const wrong = edges
      .filter(({ from }) => from.startsWith('codemods/'))
      .filter(
        ({ from, to }) =>
          !to.startsWith('src/codemod/') &&
          !to.startsWith('src/core/') &&
          !to.startsWith(`codemods/${skillOf(from)}/`),
      )
      .map(({ from, to }) => `${from} -> ${to}`);
    expect(wrong).toEqual([]);
  });
});
