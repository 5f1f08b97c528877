/** Finding nodes with ts-morph, in one in-memory project shared by every codemod. */
import {
  Node,
  Project,
  SyntaxKind,
  ts,
  type Block,
  type CallExpression,
  type FunctionDeclaration,
  type ObjectLiteralElementLike,
  type SourceFile,
  type Statement,
  type VariableDeclaration,
} from './ts-morph.js';

let live: { source: string; file: SourceFile; generation: number } | undefined;
let parseGeneration = 0;

/** Changes on every parse: nodes (and analyses holding them) from an older one are gone. */
export function currentParse(): number {
  return parseGeneration;
}

/**
 * Parse source into a project of its own. The previous parse is dropped, so
 * nodes from it must not be used afterwards. A fresh project per parse, rather
 * than overwriting one file in a shared project, because ts-morph then walks
 * the old tree to forget every node it wrapped: a third of the parse time,
 * where dropping the old project costs nothing. Codemods only read the tree
 * (they splice text), so the same text parsed twice in a row reuses the file.
 */
export function parse(source: string): SourceFile {
  if (live?.source === source && live.generation === parseGeneration) {
    return live.file;
  }
  parseGeneration++;
  const project = new Project({
    useInMemoryFileSystem: true,
    skipAddingFilesFromTsConfig: true,
    skipLoadingLibFiles: true,
  });
  const file = project.createSourceFile('/codemod-target.ts', source);
  live = { source, file, generation: parseGeneration };
  return file;
}

export function topLevelFunctions(
  file: SourceFile,
  name: string,
): FunctionDeclaration[] {
  return file
    .getStatements()
    .filter(
      (s): s is FunctionDeclaration =>
        Node.isFunctionDeclaration(s) && s.getName() === name && s.hasBody(),
    );
}

export function topLevelVariables(
  file: SourceFile,
  name: string,
): VariableDeclaration[] {
  return file
    .getVariableStatements()
    .flatMap((statement) => statement.getDeclarations())
    .filter((declaration) => declaration.getName() === name);
}

/** The one function with that name, or undefined when there is none or several. */
export function onlyFunction(
  file: SourceFile,
  name: string,
): FunctionDeclaration | undefined {
  const found = topLevelFunctions(file, name);
  return found.length === 1 ? found[0] : undefined;
}

/** The statement of `container` that is, or contains, node. */
export function statementIn(
  container: Block,
  node: Node,
): Statement | undefined {
  return container
    .getStatements()
    .find(
      (s) => s.getStart() <= node.getStart() && node.getEnd() <= s.getEnd(),
    );
}

/** Drop `(...)`, `as T` and `satisfies T` around an expression. */
export function unwrap(node: Node | undefined): Node | undefined {
  let current = node;
  while (
    current &&
    (Node.isParenthesizedExpression(current) ||
      Node.isAsExpression(current) ||
      Node.isSatisfiesExpression(current))
  ) {
    current = current.getExpression();
  }
  return current;
}

/** A property's key as written (`'my-step'` gives my-step). */
export function propertyKey(
  property: ObjectLiteralElementLike,
): string | undefined {
  if (
    Node.isPropertyAssignment(property) ||
    Node.isShorthandPropertyAssignment(property) ||
    Node.isMethodDeclaration(property)
  ) {
    const name = property.getNameNode();
    if (Node.isStringLiteral(name) || Node.isNumericLiteral(name)) {
      return String(name.getLiteralValue());
    }
    return name.getText();
  }
  return undefined;
}

/** The string value of a string literal node, or undefined. */
export function stringValue(node: Node | undefined): string | undefined {
  return Node.isStringLiteral(node) ||
    Node.isNoSubstitutionTemplateLiteral(node)
    ? node.getLiteralValue()
    : undefined;
}

/** Offsets (relative to node start) of line starts that fall inside a template literal. */
export function insideTemplate(node: Node): (offset: number) => boolean {
  const ranges = [
    ...node.getDescendantsOfKind(SyntaxKind.NoSubstitutionTemplateLiteral),
    ...node.getDescendantsOfKind(SyntaxKind.TemplateExpression),
  ].map((t) => [t.getStart() - node.getStart(), t.getEnd() - node.getStart()]);
  if (
    Node.isNoSubstitutionTemplateLiteral(node) ||
    Node.isTemplateExpression(node)
  ) {
    ranges.push([0, node.getWidth()]);
  }
  return (offset) =>
    ranges.some(([start, end]) => offset > start && offset < end);
}

/**
 * Calls of `name(...)` under node. Walks the compiler's own tree and wraps only
 * the matches: wrapping every call of a file, as getDescendantsOfKind does, is
 * a large part of a cold run.
 */
export function callsTo(node: Node, name: string): CallExpression[] {
  const file = node.getSourceFile();
  const found: CallExpression[] = [];
  const visit = (child: Node['compilerNode']): void => {
    if (
      ts.isCallExpression(child) &&
      ts.isIdentifier(child.expression) &&
      child.expression.text === name
    ) {
      const start = child.getStart(file.compilerNode);
      const call = file.getDescendantAtStartWithWidth(start, child.end - start);
      if (Node.isCallExpression(call)) found.push(call);
    }
    ts.forEachChild(child, visit);
  };
  ts.forEachChild(node.compilerNode, visit);
  return found;
}
