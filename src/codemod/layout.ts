/**
 * Inserting and removing items of a list (./list.ts) so that removing gives
 * back the exact bytes, laid out for the target's own format settings: a list
 * that prettier keeps on one line at width 120 stays on one line, and the
 * item apply adds gets the target's trailing comma when the list is split one
 * item per line.
 *
 * The rule is prettier's: arrays and import lists are one line while they fit
 * the print width, else one item per line; prettier joins such a list again
 * once it fits, so "it fits on one line" tells revert that apply had split it.
 * Objects are never re-laid out. The List values come from list.ts
 * (arrayList, importList, objectList).
 */
import type { Node } from './ts-morph.js';

import { fits, trailingComma, type FormatOptions } from './format.js';
import type { List } from './list.js';
import {
  indentAt,
  indentUnit,
  lineEnd,
  lineEnding,
  lineStart,
  ownsLines,
  removeLines,
  skipTrivia,
  type Edit,
} from './text.js';

export { arrayList, importList, objectList, type List } from './list.js';

function isMultiline(source: string, list: List): boolean {
  return source.slice(list.open, list.close).includes('\n');
}

function commaAfter(source: string, item: Node): number | undefined {
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

/** The items one per line, as prettier splits a list that does not fit. */
function splitLayout(
  source: string,
  list: List,
  texts: string[],
  format: FormatOptions,
): Edit {
  const eol = lineEnding(source);
  const indent = indentAt(source, list.open);
  const unit = indentUnit(source);
  const last = texts.length - 1;
  const body = texts
    .map(
      (text, i) =>
        indent +
        unit +
        text +
        (i < last ? ',' : trailingComma(format, 'list')) +
        eol,
    )
    .join('');
  return { start: list.open, end: list.close, text: eol + body + indent };
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

/** Insert each text so that it ends up at position `index` of the original items. */
export function insertItems(
  source: string,
  list: List,
  additions: { index: number; text: string }[],
  format: FormatOptions,
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
    const grown = line + edits.map((edit) => edit.text).join('');
    if (list.relayout && !fits(grown, format) && !hasComments(source, list)) {
      return [splitLayout(source, list, orderedTexts(items, sorted), format)];
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
    const comma = commaAfter(source, last);
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

/** Remove the items at the given indexes: the inverse of insertItems. */
export function removeItems(
  source: string,
  list: List,
  indexes: number[],
  format: FormatOptions,
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
      const line =
        source.slice(lineStart(source, list.open), list.open) +
        joined +
        source.slice(list.close, lineEnd(source, list.close));
      if (fits(line, format))
        return [{ start: list.open, end: list.close, text: joined }];
    }
  }

  const edits: Edit[] = [];
  for (const [first, lastIndex] of runs([...removed].sort((a, b) => a - b))) {
    const start = items[first].getStart();
    const comma = commaAfter(source, items[lastIndex]);
    const end = comma === undefined ? items[lastIndex].getEnd() : comma + 1;
    if (multiline && ownsLines(source, start, end)) {
      if (comma !== undefined) {
        edits.push(removeLines(source, start, end));
        continue;
      }
      if (first > 0) {
        // The last item had no trailing comma: drop the one apply added before it.
        const previousComma = commaAfter(source, items[first - 1])!;
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
