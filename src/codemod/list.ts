/**
 * Adding and removing items of a comma-separated list (array literal, named
 * imports, object literal) so that removing gives back the exact bytes.
 *
 * Arrays and import lists are laid out the way prettier does it: one line while
 * it fits in the print width, else one item per line with a trailing comma.
 * Prettier joins such a list again once it fits, so "it fits on one line" tells
 * revert that apply had split it. Objects are never re-laid out: prettier keeps
 * an object on several lines once it is, so the original layout could not be told.
 */
import {
  type ArrayLiteralExpression,
  type Node,
  type NamedImports,
  type ObjectLiteralExpression,
} from './ts-morph.js';

import {
  indentAt,
  lineEnd,
  lineEnding,
  lineStart,
  ownsLines,
  removeLines,
  skipTrivia,
  indentUnit,
  type Edit,
} from './text.js';

/** Prettier's default print width. */
export const PRINT_WIDTH = 80;

/** Width as prettier measures it, a tab counting as its default tabWidth (2). */
function columns(line: string): number {
  return line.replace(/\t/g, '  ').length;
}

export interface List {
  /** Offset just after the opening bracket. */
  open: number;
  /** Offset of the closing bracket. */
  close: number;
  items: Node[];
  /** What sits inside one-line brackets: ' ' for `{ a }`, '' for `[a]`. */
  padding: string;
  /** Split and join lines like prettier (see the file comment). */
  relayout: boolean;
}

function bracketed(
  node: Node,
  items: Node[],
  padding: string,
  relayout: boolean,
): List {
  return {
    open: node.getStart() + 1,
    close: node.getEnd() - 1,
    items,
    padding,
    relayout,
  };
}

export function arrayList(node: ArrayLiteralExpression): List {
  return bracketed(node, node.getElements(), '', true);
}

export function importList(node: NamedImports): List {
  return bracketed(node, node.getElements(), ' ', true);
}

export function objectList(node: ObjectLiteralExpression): List {
  return bracketed(node, node.getProperties(), ' ', false);
}

function isMultiline(source: string, list: List): boolean {
  return source.slice(list.open, list.close).includes('\n');
}

function trailingComma(source: string, item: Node): number | undefined {
  const next = skipTrivia(source, item.getEnd());
  return source[next] === ',' ? next : undefined;
}

/** Comments between items would be lost by a re-layout, so none is done then. */
function hasComments(source: string, list: List): boolean {
  let gaps = '';
  let from = list.open;
  for (const item of list.items) {
    gaps += source.slice(from, item.getStart());
    from = item.getEnd();
  }
  gaps += source.slice(from, list.close);
  return gaps.includes('//') || gaps.includes('/*');
}

function splitLayout(source: string, list: List, texts: string[]): Edit {
  const eol = lineEnding(source);
  const indent = indentAt(source, list.open);
  const unit = indentUnit(source);
  const body = texts.map((text) => indent + unit + text + ',' + eol).join('');
  return { start: list.open, end: list.close, text: eol + body + indent };
}

/** Insert each text so that it ends up at position `index` of the original items. */
export function insertItems(
  source: string,
  list: List,
  additions: { index: number; text: string }[],
): Edit[] {
  const { items } = list;
  const eol = lineEnding(source);
  const sorted = [...additions].sort((a, b) => a.index - b.index);
  if (items.length === 0) {
    const texts = sorted.map((a) => a.text).join(', ');
    return [
      {
        start: list.open,
        end: list.close,
        text: list.padding + texts + list.padding,
      },
    ];
  }
  const last = items[items.length - 1];
  const appended = sorted.filter((a) => a.index >= items.length);
  const inserted = sorted.filter((a) => a.index < items.length);

  if (!isMultiline(source, list)) {
    const edits: Edit[] = inserted.map(({ index, text }) => {
      const at = items[index].getStart();
      return { start: at, end: at, text: `${text}, ` };
    });
    if (appended.length > 0) {
      const at = last.getEnd();
      edits.push({
        start: at,
        end: at,
        text: appended.map((a) => `, ${a.text}`).join(''),
      });
    }
    const line = source.slice(
      lineStart(source, list.open),
      lineEnd(source, list.close),
    );
    const width = columns(line + edits.map((edit) => edit.text).join(''));
    if (list.relayout && width > PRINT_WIDTH && !hasComments(source, list)) {
      return [splitLayout(source, list, orderedTexts(items, sorted))];
    }
    return edits;
  }

  const edits: Edit[] = [];
  for (const { index, text } of inserted) {
    const item = items[index];
    const at = lineStart(source, item.getStart());
    if (source.slice(at, item.getStart()).trim() === '') {
      edits.push({
        start: at,
        end: at,
        text: indentAt(source, at) + text + ',' + eol,
      });
    } else {
      edits.push({
        start: item.getStart(),
        end: item.getStart(),
        text: `${text}, `,
      });
    }
  }
  if (appended.length > 0) {
    const comma = trailingComma(source, last);
    const indent = indentAt(source, last.getStart());
    const texts = appended.map((a) => a.text);
    if (comma === undefined) {
      edits.push({ start: last.getEnd(), end: last.getEnd(), text: ',' });
      const at = lineEnd(source, last.getEnd());
      edits.push({
        start: at,
        end: at,
        text: texts.map((t) => eol + indent + t).join(','),
      });
    } else {
      const at = lineEnd(source, comma);
      edits.push({
        start: at,
        end: at,
        text: texts.map((t) => eol + indent + t + ',').join(''),
      });
    }
  }
  return edits;
}

function orderedTexts(
  items: Node[],
  additions: { index: number; text: string }[],
): string[] {
  const texts: string[] = [];
  items.forEach((item, i) => {
    for (const a of additions) if (a.index === i) texts.push(a.text);
    texts.push(item.getText());
  });
  for (const a of additions) if (a.index >= items.length) texts.push(a.text);
  return texts;
}

/** Remove the items at the given indexes: the inverse of insertItems. */
export function removeItems(
  source: string,
  list: List,
  indexes: number[],
): Edit[] {
  const { items } = list;
  const removed = new Set(indexes);
  const kept = items.filter((_, i) => !removed.has(i));
  if (removed.size === 0) return [];
  if (kept.length === 0)
    return [{ start: list.open, end: list.close, text: '' }];
  const multiline = isMultiline(source, list);

  if (multiline && list.relayout && !hasComments(source, list)) {
    const texts = kept.map((item) => item.getText());
    if (texts.every((t) => !t.includes('\n'))) {
      const joined = list.padding + texts.join(', ') + list.padding;
      const width = columns(
        source.slice(lineStart(source, list.open), list.open) +
          joined +
          source.slice(list.close, lineEnd(source, list.close)),
      );
      if (width <= PRINT_WIDTH)
        return [{ start: list.open, end: list.close, text: joined }];
    }
  }

  const edits: Edit[] = [];
  for (const [first, lastIndex] of runs([...removed].sort((a, b) => a - b))) {
    const start = items[first].getStart();
    const comma = trailingComma(source, items[lastIndex]);
    const end = comma === undefined ? items[lastIndex].getEnd() : comma + 1;
    if (multiline && ownsLines(source, start, end)) {
      if (comma !== undefined) {
        edits.push(removeLines(source, start, end));
        continue;
      }
      if (first > 0) {
        // The last item had no trailing comma: drop the one apply added before it.
        const previousComma = trailingComma(source, items[first - 1])!;
        edits.push({ start: previousComma, end: previousComma + 1, text: '' });
        edits.push({ start: lineEnd(source, previousComma), end, text: '' });
        continue;
      }
    }
    if (lastIndex + 1 < items.length) {
      edits.push({ start, end: items[lastIndex + 1].getStart(), text: '' });
    } else {
      edits.push({
        start: items[first - 1].getEnd(),
        end: items[lastIndex].getEnd(),
        text: '',
      });
    }
  }
  return edits;
}

/** Consecutive runs [first, last] in sorted indexes. */
function runs(sorted: number[]): [number, number][] {
  const result: [number, number][] = [];
  for (const index of sorted) {
    const current = result[result.length - 1];
    if (current && current[1] === index - 1) current[1] = index;
    else result.push([index, index]);
  }
  return result;
}
