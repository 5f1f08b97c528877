/**
 * The runContainerAgent() part of add-provider-routing-host: the container
 * input gets the provider before the spawn and, with secrets on stdin, the
 * awaited secrets (read where the Promise executor cannot await).
 */
import {
  Node,
  SyntaxKind,
  type ExpressionStatement,
  type SourceFile,
} from '../../../src/codemod/ts-morph.js';

import { onlyFunction } from '../../../src/codemod/ast.js';
import type { Part } from '../../../src/codemod/define.js';
import { styled, type FormatOptions } from '../../../src/codemod/format.js';
import type { PartResult } from '../../../src/codemod/parts.js';
import {
  commentedLineStart,
  indentAt,
  lineEnding,
  lineStart,
  linesBefore,
  removeLines,
  shape,
  type Edit,
} from '../../../src/codemod/text.js';

function assignment(
  statement: Node,
  property: string,
): { target: string; value: string } | undefined {
  if (!Node.isExpressionStatement(statement)) return undefined;
  const expression = statement.getExpression();
  if (!Node.isBinaryExpression(expression)) return undefined;
  if (expression.getOperatorToken().getKind() !== SyntaxKind.EqualsToken)
    return undefined;
  const left = expression.getLeft();
  if (!Node.isPropertyAccessExpression(left) || left.getName() !== property)
    return undefined;
  return {
    target: left.getExpression().getText(),
    value: shape(expression.getRight().getText()),
  };
}

/** The text of `statement` with `replacement` in place of `node`, which it contains. */
function replacedIn(statement: Node, node: Node, replacement: string): string {
  const text = statement.getText();
  const from = node.getStart() - statement.getStart();
  return text.slice(0, from) + replacement + text.slice(from + node.getWidth());
}

/** The name of runContainerAgent()'s parameter of type ContainerInput. */
function inputParameter(fn: Node | undefined): string | undefined {
  if (!Node.isFunctionDeclaration(fn)) return undefined;
  return fn
    .getParameters()
    .find((p) => p.getTypeNode()?.getText() === 'ContainerInput')
    ?.getName();
}

/**
 * In runContainerAgent(): `input.provider = AGENT_PROVIDER;` before `return
 * new Promise(`. With secrets on stdin also `input.secrets = await
 * readSecrets();` there, in place of the `input.secrets = readSecrets();`
 * inside the executor.
 */
export function runContainerAgentPart(
  file: SourceFile,
  source: string,
  format: FormatOptions,
  stdin: boolean,
): PartResult {
  const fn = onlyFunction(file, 'runContainerAgent');
  const body = fn?.getBody()?.asKind(SyntaxKind.Block);
  const promises = (body?.getStatements() ?? []).filter((s) => {
    const value = s.asKind(SyntaxKind.ReturnStatement)?.getExpression();
    return (
      Node.isNewExpression(value) &&
      value.getExpression().getText() === 'Promise'
    );
  });
  if (!fn || !body || promises.length !== 1) {
    return {
      problems: [
        {
          anchor: 'runContainerAgent()',
          expected:
            'one function runContainerAgent() with one `return new Promise(...)` statement',
        },
      ],
    };
  }
  const returnPromise = promises[0];
  const executor = returnPromise
    .getFirstDescendantByKind(SyntaxKind.NewExpression)!
    .getArguments()[0];
  const executorStatements =
    Node.isArrowFunction(executor) || Node.isFunctionExpression(executor)
      ? executor.getDescendantsOfKind(SyntaxKind.ExpressionStatement)
      : [];

  const before = body
    .getStatements()
    .slice(0, body.getStatements().indexOf(returnPromise));
  const ours = (property: string, value: string) =>
    before.find((s) => assignment(s, property)?.value === shape(value));
  const oldRead = stdin
    ? executorStatements.find(
        (s) => assignment(s, 'secrets')?.value === 'readSecrets()',
      )
    : undefined;
  const target = stdin
    ? ((oldRead && assignment(oldRead, 'secrets')!.target) ??
      before.map((s) => assignment(s, 'secrets')?.target).find((t) => t) ??
      'input')
    : (inputParameter(fn) ?? 'input');
  const awaitedRead = stdin
    ? ours('secrets', 'await readSecrets()')
    : undefined;
  const provider = ours('provider', 'AGENT_PROVIDER');
  const stdinWrite = executorStatements.find((s) =>
    shape(s.getText()).includes(`.write(JSON.stringify(${target})`),
  );

  const problems = [];
  if (stdin && !awaitedRead && !oldRead) {
    problems.push({
      anchor: 'input.secrets = readSecrets()',
      expected:
        'the statement `input.secrets = readSecrets();` inside the `new Promise(...)` of runContainerAgent()',
    });
  }
  if (!oldRead && !stdinWrite) {
    problems.push({
      anchor: 'stdin.write(JSON.stringify(input))',
      expected:
        'the statement writing `JSON.stringify(input)` to the container stdin in runContainerAgent()',
    });
  }
  if (problems.length > 0) return { problems };

  // The read moves as the file wrote it, so that revert can put it back as it was.
  const awaitedText = () => {
    const right = (oldRead as ExpressionStatement)
      .getExpression()
      .asKindOrThrow(SyntaxKind.BinaryExpression)
      .getRight();
    return replacedIn(oldRead!, right, `await ${right.getText()}`);
  };
  const unawaitedText = () => {
    const right = (awaitedRead as ExpressionStatement)
      .getExpression()
      .asKindOrThrow(SyntaxKind.BinaryExpression)
      .getRight();
    const call = right
      .asKindOrThrow(SyntaxKind.AwaitExpression)
      .getExpression();
    return replacedIn(awaitedRead!, right, call.getText());
  };

  const part: Part = {
    name: stdin
      ? 'runContainerAgent() awaits secrets and passes the provider'
      : 'runContainerAgent() passes the provider',
    applied: stdin
      ? Boolean(awaitedRead && provider && !oldRead)
      : Boolean(provider),
    add() {
      const lines = [
        ...(!stdin || awaitedRead ? [] : [awaitedText()]),
        ...(provider
          ? []
          : [styled(`${target}.provider = AGENT_PROVIDER;`, format)]),
      ];
      const at = commentedLineStart(source, returnPromise.getStart());
      const edits: Edit[] = [];
      if (lines.length > 0) {
        edits.push({
          start: at,
          end: at,
          text: linesBefore(lines, indentAt(source, at), lineEnding(source)),
        });
      }
      if (oldRead) {
        edits.push(removeLines(source, oldRead.getStart(), oldRead.getEnd()));
      }
      return edits;
    },
    remove() {
      const edits = [awaitedRead, provider]
        .filter((s): s is ExpressionStatement => s !== undefined)
        .map((s) => removeLines(source, s.getStart(), s.getEnd()));
      if (stdin && !oldRead) {
        const at = lineStart(source, stdinWrite!.getStart());
        const line = awaitedRead
          ? unawaitedText()
          : styled(`${target}.secrets = readSecrets();`, format);
        edits.push({
          start: at,
          end: at,
          text: linesBefore([line], indentAt(source, at), lineEnding(source)),
        });
      }
      return edits;
    },
  };
  return { part, problems: [] };
}
