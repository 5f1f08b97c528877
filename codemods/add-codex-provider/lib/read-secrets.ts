/**
 * The readSecrets() parts of add-provider-routing-host: the function becomes
 * async and merges the plugin's secrets, and every other caller awaits it.
 */
import {
  Node,
  SyntaxKind,
  type CallExpression,
  type SourceFile,
} from '../../../src/codemod/ts-morph.js';

import {
  callsTo,
  insideTemplate,
  topLevelFunctions,
} from '../../../src/codemod/ast.js';
import type { Part } from '../../../src/codemod/define.js';
import type { PartResult } from '../../../src/codemod/parts.js';
import {
  indentAt,
  indentUnit,
  lineEnding,
  reindent,
  shape,
  type Edit,
} from '../../../src/codemod/text.js';

const PLUGIN_SECRETS = '(await getActivePlugin()?.getSecrets())';

/** `return <expr>;` in readSecrets() becomes `return { ...<expr>, ...(await plugin secrets) };`. */
export function readSecretsPart(file: SourceFile, source: string): PartResult {
  const problem = {
    anchor: 'readSecrets()',
    expected:
      'one function readSecrets() whose last statement is `return <expression>;`',
  };
  const functions = topLevelFunctions(file, 'readSecrets');
  if (functions.length > 1) {
    return {
      problems: [
        {
          ...problem,
          expected: `${problem.expected}; found ${functions.length}`,
        },
      ],
    };
  }
  const fn = functions[0];
  const last = fn?.getBody()?.asKind(SyntaxKind.Block)?.getStatements().at(-1);
  const expression = Node.isReturnStatement(last)
    ? last.getExpression()
    : undefined;
  if (!fn || !expression) return { problems: [problem] };

  const unit = indentUnit(source);
  const indent = indentAt(source, last!.getStart());
  const eol = lineEnding(source);
  const merged = mergedSecrets(expression);
  const returnType = fn.getReturnTypeNode();
  const functionKeyword = fn.getFirstChildByKindOrThrow(
    SyntaxKind.FunctionKeyword,
  );

  const part: Part = {
    name: 'async readSecrets() with plugin secrets',
    applied: merged !== undefined,
    add() {
      const text = reindent(
        expression.getText(),
        unit,
        1,
        insideTemplate(expression),
      );
      const object = [
        '{',
        `${unit}...${text},`,
        `${unit}...${PLUGIN_SECRETS},`,
        '}',
      ].join(eol + indent);
      const edits: Edit[] = [
        {
          start: expression.getStart(),
          end: expression.getEnd(),
          text: object,
        },
      ];
      if (!fn.isAsync()) {
        const at = functionKeyword.getStart();
        edits.push({ start: at, end: at, text: 'async ' });
      }
      if (returnType && !isPromiseType(returnType)) {
        edits.push({
          start: returnType.getStart(),
          end: returnType.getEnd(),
          text: `Promise<${returnType.getText()}>`,
        });
      }
      return edits;
    },
    remove() {
      const text = reindent(
        merged!.getText(),
        unit,
        -1,
        insideTemplate(merged!),
      );
      const edits: Edit[] = [
        { start: expression.getStart(), end: expression.getEnd(), text },
      ];
      const asyncKeyword = fn
        .getModifiers()
        .find((m) => m.getKind() === SyntaxKind.AsyncKeyword);
      if (asyncKeyword) {
        edits.push({
          start: asyncKeyword.getStart(),
          end: functionKeyword.getStart(),
          text: '',
        });
      }
      const inner = returnType
        ?.asKind(SyntaxKind.TypeReference)
        ?.getTypeArguments()[0];
      if (returnType && isPromiseType(returnType) && inner) {
        edits.push({
          start: returnType.getStart(),
          end: returnType.getEnd(),
          text: inner.getText(),
        });
      }
      return edits;
    },
  };
  return { part, problems: [] };
}

function isPromiseType(node: Node): boolean {
  return (
    Node.isTypeReference(node) && node.getTypeName().getText() === 'Promise'
  );
}

/** The original expression inside `{ ...<expr>, ...(await plugin secrets) }`, if that is the shape. */
function mergedSecrets(expression: Node): Node | undefined {
  if (!Node.isObjectLiteralExpression(expression)) return undefined;
  const [own, plugin, ...rest] = expression.getProperties();
  if (
    rest.length > 0 ||
    !Node.isSpreadAssignment(own) ||
    !Node.isSpreadAssignment(plugin) ||
    shape(plugin.getExpression().getText()) !== shape(PLUGIN_SECRETS)
  ) {
    return undefined;
  }
  return own.getExpression();
}

/** Where `await x` must be wrapped in parentheses to keep meaning x's result. */
function needsParentheses(call: Node): boolean {
  const parent = call.getParent();
  return (
    (Node.isPropertyAccessExpression(parent) ||
      Node.isElementAccessExpression(parent) ||
      Node.isCallExpression(parent) ||
      Node.isNonNullExpression(parent)) &&
    parent.getExpression() === call
  );
}

/** The nearest enclosing function, and whether it may use await. */
function enclosingFunction(
  node: Node,
): { name: string; async: boolean } | undefined {
  const fn = node.getFirstAncestor(
    (a) =>
      Node.isFunctionDeclaration(a) ||
      Node.isFunctionExpression(a) ||
      Node.isArrowFunction(a) ||
      Node.isMethodDeclaration(a),
  );
  if (!fn) return undefined;
  const named = fn as Node & { getName?: () => string | undefined };
  return {
    name: named.getName?.() ?? 'an anonymous function',
    async: (fn as Node & { isAsync(): boolean }).isAsync(),
  };
}

/** `x.secrets = readSecrets()`: runContainerAgent's own read, handled by its part. */
function isSecretsAssignment(call: CallExpression): boolean {
  const parent = call.getParent();
  const assigned = Node.isAwaitExpression(parent) ? parent.getParent() : parent;
  return (
    Node.isBinaryExpression(assigned) &&
    assigned.getOperatorToken().getKind() === SyntaxKind.EqualsToken &&
    assigned.getLeft().getText().endsWith('.secrets')
  );
}

/**
 * Other callers of readSecrets() get `await` (in parentheses where a member is
 * read off the result), since the function now returns a Promise. A caller in
 * a function that cannot await is an anchor problem: no silent type error.
 */
export function readSecretsCallersPart(
  file: SourceFile,
  source: string,
): PartResult {
  const calls = callsTo(file, 'readSecrets').filter(
    (call) => !isSecretsAssignment(call),
  );
  if (calls.length === 0) return { problems: [] };
  const awaited = (call: CallExpression) =>
    Node.isAwaitExpression(call.getParent());
  const pending = calls.filter((call) => !awaited(call));
  const problems = pending
    .filter((call) => !enclosingFunction(call)?.async)
    .map((call) => ({
      anchor: `readSecrets() call at line ${call.getStartLineNumber()}`,
      expected: `callers inside async functions (readSecrets becomes async); this one is in ${enclosingFunction(call)?.name ?? 'top-level code'}`,
    }));
  if (problems.length > 0) return { problems };

  const part: Part = {
    name: 'callers of readSecrets() await it',
    applied: pending.length === 0,
    add: () =>
      pending.flatMap((call): Edit[] =>
        needsParentheses(call)
          ? [
              { start: call.getStart(), end: call.getStart(), text: '(await ' },
              { start: call.getEnd(), end: call.getEnd(), text: ')' },
            ]
          : [{ start: call.getStart(), end: call.getStart(), text: 'await ' }],
      ),
    remove: () =>
      calls.filter(awaited).map((call): Edit => {
        const awaitNode = call.getParentOrThrow();
        const wrapper = awaitNode.getParent();
        const outer =
          Node.isParenthesizedExpression(wrapper) && needsParentheses(wrapper)
            ? wrapper
            : awaitNode;
        return {
          start: outer.getStart(),
          end: outer.getEnd(),
          text: call.getText(),
        };
      }),
  };
  return { part, problems: [] };
}
