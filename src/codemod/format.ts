/**
 * Lines of code written in the target's style (./format-config.ts reads it
 * from the target's prettier config): print width, quotes, semicolons and
 * trailing commas, so that what a codemod adds passes the target's own
 * `prettier --check`.
 */
import type { FormatOptions } from './format-config.js';

export type { FormatOptions } from './format-config.js';

/** Width of a line as prettier measures it, a tab counting tabWidth columns. */
export function columns(line: string, format: FormatOptions): number {
  return line.replace(/\t/g, ' '.repeat(format.tabWidth)).length;
}

/** The line fits the print width (with its indentation). */
export function fits(line: string, format: FormatOptions): boolean {
  return columns(line, format) <= format.printWidth;
}

/**
 * One line of code as the target writes it: string literals in its quotes
 * (prettier's rule: the preferred quote unless the text holds more of it than
 * of the other), and without the statement's semicolon when it has semi:
 * false. Comments and template literals are left as they are. Lines are
 * written single-quoted with semicolons in the codemods.
 */
export function styled(line: string, format: FormatOptions): string {
  let out = '';
  let i = 0;
  let codeEnd = line.length;
  while (i < line.length) {
    const char = line[i];
    if (char === '/' && line[i + 1] === '/') {
      codeEnd = out.length;
      out += line.slice(i);
      break;
    }
    if (char === '`') {
      const end = skipString(line, i, '`');
      out += line.slice(i, end);
      i = end;
      continue;
    }
    if (char === "'" || char === '"') {
      const end = skipString(line, i, char);
      out += requote(line.slice(i, end), format);
      i = end;
      continue;
    }
    out += char;
    i++;
  }
  if (codeEnd === line.length) codeEnd = out.length;
  if (!format.semi) {
    const code = out.slice(0, codeEnd).trimEnd();
    if (code.endsWith(';')) {
      out = code.slice(0, -1) + out.slice(code.length);
    }
  }
  return out;
}

/** Each line styled (see styled). */
export function styledLines(lines: string[], format: FormatOptions): string[] {
  return lines.map((line) => styled(line, format));
}

function skipString(line: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < line.length && line[i] !== quote) {
    i += line[i] === '\\' ? 2 : 1;
  }
  return Math.min(i + 1, line.length);
}

function requote(literal: string, format: FormatOptions): string {
  const quote = literal[0];
  const body = literal.slice(1, -1);
  const preferred = format.singleQuote ? "'" : '"';
  if (quote === preferred || body.includes('\\')) return literal;
  const count = (q: string) => body.split(q).length - 1;
  if (count(preferred) > count(quote)) return literal;
  return preferred + body + preferred;
}

/** A string literal in the target's quotes. */
export function quoted(text: string, format: FormatOptions): string {
  return styled(`'${text}'`, format);
}

/** The comma after the last item of a list laid out one item per line. */
export function trailingComma(
  format: FormatOptions,
  kind: 'list' | 'arguments',
): string {
  if (format.trailingComma === 'none') return '';
  if (kind === 'arguments' && format.trailingComma === 'es5') return '';
  return ',';
}

/**
 * Code text compared as written by anyone: whitespace, quotes and the
 * statement's own semicolon do not count.
 */
export function sameCode(a: string, b: string): boolean {
  const normal = (code: string) =>
    code.replace(/\s+/g, '').replace(/"/g, "'").replace(/;+$/, '');
  return normal(a) === normal(b);
}
