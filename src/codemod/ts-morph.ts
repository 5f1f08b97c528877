/**
 * ts-morph, loaded with require(). Imported as ESM, Node would lex its large
 * CommonJS bundle for named exports on every start (about 0.3 s of a dry run
 * whose budget is 0.8 s). Types come from the package as usual.
 */
import { createRequire } from 'node:module';
import type * as TsMorph from 'ts-morph';

const tsMorph = createRequire(import.meta.url)('ts-morph') as typeof TsMorph;

export const Node = tsMorph.Node;
export type Node = TsMorph.Node;
export const SyntaxKind = tsMorph.SyntaxKind;
export type SyntaxKind = TsMorph.SyntaxKind;
export const Project = tsMorph.Project;
export type Project = TsMorph.Project;
export const ts = tsMorph.ts;

export type {
  ArrayLiteralExpression,
  Block,
  CallExpression,
  ExpressionStatement,
  FunctionDeclaration,
  ImportDeclaration,
  NamedImports,
  ObjectLiteralElementLike,
  ObjectLiteralExpression,
  SourceFile,
  Statement,
  VariableDeclaration,
  VariableStatement,
} from 'ts-morph';
