/**
 * The comma-separated lists the codemods edit (array literal, named imports,
 * object literal), as spans of the source: where the brackets are, the items,
 * and whether prettier would re-lay the list out. ./layout.ts inserts and
 * removes items of them for the target's own format settings.
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
