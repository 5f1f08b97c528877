import { applyEdits, modify, parse, type ParseError } from 'jsonc-parser';

import { SkillError } from './errors.js';

interface JsonStyle {
  eol: string;
  insertSpaces: boolean;
  tabSize: number;
}

/** The indentation and line ending a JSON file already uses, so edits blend in. */
export function detectJsonStyle(text: string): JsonStyle {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const indent = /^([ \t]+)"/m.exec(text)?.[1] ?? '  ';
  return {
    eol,
    insertSpaces: !indent.startsWith('\t'),
    tabSize: indent.startsWith('\t') ? 1 : indent.length,
  };
}

export function parseJsonFile(
  text: string,
  file: string,
): Record<string, unknown> {
  const errors: ParseError[] = [];
  const value = parse(text, errors, { allowTrailingComma: true }) as unknown;
  if (errors.length > 0 || typeof value !== 'object' || value === null) {
    throw new SkillError(
      `${file} is not valid JSON (error at offset ${errors[0]?.offset ?? 0}).`,
      { file, hint: `Fix ${file} so that npm can read it, then retry.` },
    );
  }
  return value as Record<string, unknown>;
}

/**
 * Where npm itself would put a new key: dependencies sorted by name, and a new
 * `dependencies` object just before `devDependencies`.
 */
function insertionIndex(jsonPath: string[], properties: string[]): number {
  if (jsonPath.length === 1) {
    const dev = properties.indexOf('devDependencies');
    return dev === -1 ? properties.length : dev;
  }
  const name = jsonPath[jsonPath.length - 1];
  const index = properties.findIndex((property) => property > name);
  return index === -1 ? properties.length : index;
}

function edit(
  text: string,
  jsonPath: string[],
  value: string | undefined,
): string {
  const edits = modify(text, jsonPath, value, {
    formattingOptions: detectJsonStyle(text),
    getInsertionIndex: (properties) => insertionIndex(jsonPath, properties),
  });
  return applyEdits(text, edits);
}

/** Add local dependencies to package.json, keeping its formatting. */
export function addDependencies(
  text: string,
  dependencies: Record<string, string>,
): string {
  let result = text;
  const current = (parseJsonFile(text, 'package.json').dependencies ??
    {}) as Record<string, unknown>;
  for (const [name, spec] of Object.entries(dependencies)) {
    if (current[name] === spec) continue;
    result = edit(result, ['dependencies', name], spec);
  }
  return result;
}

/** Remove them again; a `dependencies` object left empty goes too. */
export function removeDependencies(text: string, names: string[]): string {
  let result = text;
  for (const name of names) {
    const current = (parseJsonFile(result, 'package.json').dependencies ??
      {}) as Record<string, unknown>;
    if (!(name in current)) continue;
    result = edit(result, ['dependencies', name], undefined);
    const remaining = parseJsonFile(result, 'package.json').dependencies;
    if (
      remaining &&
      typeof remaining === 'object' &&
      Object.keys(remaining).length === 0
    ) {
      result = edit(result, ['dependencies'], undefined);
    }
  }
  return result;
}
