/**
 * Text-level helpers: codemods find nodes with ts-morph but change the file by
 * splicing text at exact offsets, so every byte they do not touch is kept.
 */

/** Replace source[start, end) with text. An insertion has start === end. */
export interface Edit {
  start: number;
  end: number;
  text: string;
}

/**
 * Apply edits computed against the same source. Insertions at one offset keep
 * the order in which they were listed.
 */
export function applyEdits(source: string, edits: Edit[]): string {
  const ordered = edits
    .map((edit, index) => ({ edit, index }))
    .sort(
      (a, b) =>
        b.edit.start - a.edit.start ||
        b.edit.end - a.edit.end ||
        b.index - a.index,
    );
  let result = source;
  let limit = source.length;
  for (const { edit } of ordered) {
    if (edit.end > limit || edit.start > edit.end) {
      throw new Error(
        `internal: overlapping edits at offset ${edit.start}-${edit.end}`,
      );
    }
    result = result.slice(0, edit.start) + edit.text + result.slice(edit.end);
    limit = edit.start;
  }
  return result;
}

/** The file's line ending, judged by its first line break (LF when none). */
export function lineEnding(source: string): string {
  const newline = source.indexOf('\n');
  return newline > 0 && source[newline - 1] === '\r' ? '\r\n' : '\n';
}

/** One level of indentation: a tab, or the smallest run of leading spaces. */
export function indentUnit(source: string): string {
  let smallest = 0;
  for (const line of source.split('\n')) {
    if (line.startsWith('\t')) return '\t';
    const spaces = /^( +)\S/.exec(line);
    // JSDoc continuation lines (" * text") are aligned, not indented.
    if (!spaces || line.trimStart().startsWith('*')) continue;
    if (smallest === 0 || spaces[1].length < smallest)
      smallest = spaces[1].length;
  }
  return ' '.repeat(smallest || 2);
}

export function lineStart(source: string, pos: number): number {
  return source.lastIndexOf('\n', pos - 1) + 1;
}

/** Offset of the line break ending pos's line (before a CR), or the end of the file. */
export function lineEnd(source: string, pos: number): number {
  const newline = source.indexOf('\n', pos);
  if (newline === -1) return source.length;
  return source[newline - 1] === '\r' ? newline - 1 : newline;
}

/** The whitespace that starts pos's line. */
export function indentAt(source: string, pos: number): string {
  const start = lineStart(source, pos);
  return /^[ \t]*/.exec(source.slice(start))![0];
}

/** True when only whitespace precedes start on its line and follows end on its line. */
export function ownsLines(source: string, start: number, end: number): boolean {
  return (
    source.slice(lineStart(source, start), start).trim() === '' &&
    source.slice(end, lineEnd(source, end)).trim() === ''
  );
}

/** The line before pos's line, without its line break; undefined on the first line. */
export function previousLine(source: string, pos: number): string | undefined {
  const start = lineStart(source, pos);
  if (start === 0) return undefined;
  const prevStart = lineStart(source, start - 1);
  return source.slice(prevStart, lineEnd(source, prevStart));
}

/**
 * Start of the comment lines directly above pos's line (no blank line
 * between), or of pos's line: where a statement that goes before pos's
 * statement belongs, so that a comment stays with the code it describes.
 */
export function commentedLineStart(source: string, pos: number): number {
  let start = lineStart(source, pos);
  for (;;) {
    const above = previousLine(source, start)?.trim();
    if (!above || !/^(\/\/|\/\*|\*)/.test(above)) return start;
    start = lineStart(source, start - 1);
  }
}

/** Skip whitespace and comments from pos; returns the offset of the next token. */
export function skipTrivia(source: string, pos: number): number {
  let i = pos;
  for (;;) {
    while (i < source.length && /\s/.test(source[i])) i++;
    if (source.startsWith('//', i)) {
      i = lineEnd(source, i);
    } else if (source.startsWith('/*', i)) {
      const close = source.indexOf('*/', i + 2);
      i = close === -1 ? source.length : close + 2;
    } else {
      return i;
    }
  }
}

/**
 * Lines to insert, each indented (blank lines stay empty), joined and
 * prefixed with line breaks: ready to insert at the end of a line.
 */
export function linesAfter(
  lines: string[],
  indent: string,
  eol: string,
  blankLineBefore = false,
): string {
  const body = lines.map((line) => eol + (line ? indent + line : '')).join('');
  return (blankLineBefore ? eol : '') + body;
}

/** The trimmed text of up to `count` lines starting at the line start `from`. */
function linesFrom(source: string, from: number, count: number): string[] {
  const found: string[] = [];
  let start = from;
  while (found.length < count && start < source.length) {
    const end = lineEnd(source, start);
    found.push(source.slice(start, end).trim());
    const newline = source.indexOf('\n', end);
    if (newline === -1) break;
    start = newline + 1;
  }
  return found;
}

/** The trimmed text of up to `count` lines ending with pos's line, in file order. */
function linesUpTo(source: string, pos: number, count: number): string[] {
  const found: string[] = [];
  let start = lineStart(source, pos);
  for (;;) {
    found.unshift(source.slice(start, lineEnd(source, start)).trim());
    if (found.length === count || start === 0) return found;
    start = lineStart(source, start - 1);
  }
}

const sameLines = (a: string[], b: string[]): boolean =>
  a.length === b.length && a.every((line, i) => line === b[i].trim());

/**
 * How many leading lines of a block that goes after pos's line are already
 * there, and where the rest goes. An apply whose later lines were taken out by
 * hand leaves its first ones (a comment, say) either just below pos's line or
 * as the last lines up to it; completing the apply must not add them twice.
 * The last line of the block is never counted as found: it is what is missing.
 */
export function linesAlreadyThere(
  source: string,
  pos: number,
  lines: string[],
): { found: number; at: number } {
  const eol = lineEnding(source);
  const end = lineEnd(source, pos);
  for (let count = lines.length - 1; count > 0; count--) {
    const expected = lines.slice(0, count);
    const below = end + eol.length;
    if (
      below < source.length &&
      sameLines(linesFrom(source, below, count), expected)
    ) {
      let at = below;
      for (let i = 1; i < count; i++) at = lineEnd(source, at) + eol.length;
      return { found: count, at: lineEnd(source, at) };
    }
    if (sameLines(linesUpTo(source, pos, count), expected)) {
      return { found: count, at: end };
    }
  }
  return { found: 0, at: end };
}

/**
 * Insert lines after pos's line (a blank line first when `blankLineBefore`),
 * or, when a partial apply left their first lines there, only the missing
 * rest. `omit` drops lines that exist elsewhere in the file, once it is known
 * they are not among the ones found.
 */
export function insertLinesAfter(
  source: string,
  pos: number,
  lines: string[],
  indent: string,
  options: { blankLineBefore?: boolean; omit?: (line: string) => boolean } = {},
): Edit {
  const { found, at } = linesAlreadyThere(source, pos, lines);
  const rest = lines.slice(found).filter((line) => !options.omit?.(line));
  const blank = found === 0 && Boolean(options.blankLineBefore);
  return {
    start: at,
    end: at,
    text: linesAfter(rest, indent, lineEnding(source), blank),
  };
}

/** Lines to insert at the start of a line, each ending with a line break. */
export function linesBefore(
  lines: string[],
  indent: string,
  eol: string,
): string {
  return lines.map((line) => (line ? indent + line : '') + eol).join('');
}

/**
 * Remove the whole lines spanning [start, end), plus the blank line just above
 * them when `blankLineBefore` and that line is blank. The inverse of inserting
 * `linesAfter(...)` at the end of the line above, or `linesBefore(...)` at the
 * start of the line below.
 */
export function removeLines(
  source: string,
  start: number,
  end: number,
  blankLineBefore = false,
): Edit {
  const eol = lineEnding(source);
  let from = lineStart(source, start);
  const to = lineEnd(source, end);
  if (blankLineBefore && previousLine(source, from)?.trim() === '') {
    from = lineStart(source, from - 1);
  }
  if (to < source.length) {
    return { start: from, end: to + eol.length, text: '' };
  }
  // Last line of a file without a final line break: take the break above instead.
  return { start: Math.max(0, from - eol.length), end: to, text: '' };
}

/**
 * removeLines for code that apply inserted with `comment` on the line above
 * it: the comment goes too while it is still there.
 */
export function removeCommented(
  source: string,
  start: number,
  end: number,
  comment: string,
  blankLineBefore = false,
): Edit {
  let from = start;
  if (previousLine(source, from)?.trim() === comment) {
    from = lineStart(source, lineStart(source, from) - 1);
  }
  return removeLines(source, from, end, blankLineBefore);
}

/** Add (or, with a negative count, remove) one indent unit on every line after the first. */
export function reindent(
  text: string,
  unit: string,
  direction: 1 | -1,
  keep: (offset: number) => boolean = () => false,
): string {
  let offset = 0;
  return text
    .split('\n')
    .map((line, index) => {
      const lineOffset = offset;
      offset += line.length + 1;
      if (index === 0 || keep(lineOffset) || line.replace('\r', '') === '') {
        return line;
      }
      if (direction === 1) return unit + line;
      return line.startsWith(unit) ? line.slice(unit.length) : line;
    })
    .join('\n');
}

/** Code text with whitespace removed and double quotes made single, for comparing shapes. */
export function shape(code: string): string {
  return code.replace(/\s+/g, '').replace(/"/g, "'");
}
