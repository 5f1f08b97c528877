/**
 * The parts of add-provider-routing-host for releases that keep every secret
 * out of containers (credential proxy, OneCLI), where there is no readSecrets()
 * to extend: the active provider adds its own docker arguments to each run
 * (the Codex relay's address and a key for that run) and revokes them when the
 * container has exited.
 */
import {
  Node,
  SyntaxKind,
  type Block,
  type ExpressionStatement,
  type SourceFile,
  type Statement,
} from '../../../src/codemod/ts-morph.js';

import { onlyFunction } from '../../../src/codemod/ast.js';
import type { Part } from '../../../src/codemod/define.js';
import {
  sameCode,
  styled,
  type FormatOptions,
} from '../../../src/codemod/format.js';
import type { PartResult } from '../../../src/codemod/parts.js';
import {
  indentAt,
  insertLinesAfter,
  previousLine,
  removeCommented,
} from '../../../src/codemod/text.js';

export const ARGS_COMMENT =
  "// The active provider's settings for this run (none for Claude).";
export const RELEASE_COMMENT =
  '// The run is over: revoke what the provider granted this container.';
export const RELEASE_CALL = 'releaseProviderContainer(containerName);';

/** `<receiver>.push(<args>)` as a statement: its receiver and argument texts. */
function pushStatement(
  statement: Statement,
): { receiver: string; args: string[] } | undefined {
  if (!Node.isExpressionStatement(statement)) return undefined;
  const call = statement.getExpression();
  if (!Node.isCallExpression(call)) return undefined;
  const callee = call.getExpression();
  if (!Node.isPropertyAccessExpression(callee) || callee.getName() !== 'push')
    return undefined;
  return {
    receiver: callee.getExpression().getText(),
    args: call.getArguments().map((a) => a.getText()),
  };
}

/** removeCommented for a statement apply inserted under one of these comments. */
function removeOurs(source: string, statement: Node, comments: string[]) {
  const above = previousLine(source, statement.getStart())?.trim();
  const comment = comments.find((c) => c === above) ?? comments[0];
  return removeCommented(
    source,
    statement.getStart(),
    statement.getEnd(),
    comment,
  );
}

/**
 * `args.push(...providerContainerArgs(containerName));` in buildContainerArgs
 * (sync or async), before the image is pushed: right after
 * `args.push(...hostGatewayArgs());` when there is one, else after the
 * statement before the image.
 */
export function containerArgsPart(
  file: SourceFile,
  source: string,
  format: FormatOptions,
): PartResult {
  const fn = onlyFunction(file, 'buildContainerArgs');
  const body = fn?.getBody()?.asKind(SyntaxKind.Block);
  const statements = body?.getStatements() ?? [];
  const hasName = fn
    ?.getParameters()
    .some((p) => p.getName() === 'containerName');
  const images = statements.filter((s) => {
    const push = pushStatement(s);
    return push?.args.length === 1 && /\bCONTAINER_IMAGE$/.test(push.args[0]);
  });
  const receiver = images.length === 1 && pushStatement(images[0])!.receiver;
  const call = `${receiver || 'args'}.push(...providerContainerArgs(containerName));`;
  const ours = statements.filter((s) => sameCode(s.getText(), call));

  if (ours.length === 0 && (!body || !hasName || !receiver)) {
    return {
      problems: [
        {
          anchor: 'buildContainerArgs()',
          expected:
            'one function buildContainerArgs(mounts, containerName) that pushes the image last, with `args.push(CONTAINER_IMAGE);`',
        },
      ],
    };
  }
  const part: Part = {
    name: call,
    applied: ours.length > 0,
    add() {
      const image = statements.indexOf(images[0]);
      const gateway = statements
        .slice(0, image)
        .find((s) =>
          sameCode(s.getText(), `${receiver}.push(...hostGatewayArgs());`),
        );
      const after = gateway ?? statements[image - 1];
      const pos = after ? after.getEnd() : body!.getStart();
      const indent = indentAt(source, images[0].getStart());
      return [
        insertLinesAfter(
          source,
          pos,
          [ARGS_COMMENT, styled(call, format)],
          indent,
        ),
      ];
    },
    remove: () => ours.map((s) => removeOurs(source, s, [ARGS_COMMENT])),
  };
  return { part, problems: [] };
}

/** The block of `<child>.on('close', (...) => { ... })` calls in fn's body. */
function closeHandlers(body: Block): Block[] {
  return body
    .getDescendantsOfKind(SyntaxKind.CallExpression)
    .flatMap((call) => {
      const callee = call.getExpression();
      const [event, handler] = call.getArguments();
      if (
        !Node.isPropertyAccessExpression(callee) ||
        !['on', 'once'].includes(callee.getName()) ||
        !Node.isStringLiteral(event) ||
        event.getLiteralValue() !== 'close' ||
        !(Node.isArrowFunction(handler) || Node.isFunctionExpression(handler))
      ) {
        return [];
      }
      const block = handler.getBody();
      return Node.isBlock(block) ? [block] : [];
    });
}

/**
 * `releaseProviderContainer(containerName);` first thing in the handler of
 * the container's 'close' event in runContainerAgent(), before any return.
 */
export function releaseOnClosePart(
  file: SourceFile,
  source: string,
  format: FormatOptions,
): PartResult {
  const fn = onlyFunction(file, 'runContainerAgent');
  const body = fn?.getBody()?.asKind(SyntaxKind.Block);
  const handlers = body ? closeHandlers(body) : [];
  const ours = (
    body?.getDescendantsOfKind(SyntaxKind.ExpressionStatement) ?? []
  ).filter((s) => sameCode(s.getText(), RELEASE_CALL));
  const named =
    body
      ?.getDescendantsOfKind(SyntaxKind.VariableDeclaration)
      .some((d) => d.getName() === 'containerName') ||
    fn?.getParameters().some((p) => p.getName() === 'containerName');
  const handler = handlers.length === 1 ? handlers[0] : undefined;
  const first = handler?.getStatements()[0];
  const ownLine =
    first !== undefined &&
    first.getStartLineNumber() > handler!.getStartLineNumber();

  if (ours.length === 0 && (!handler || !named || !ownLine)) {
    return {
      problems: [
        {
          anchor: "container.on('close', ...)",
          expected:
            "one `container.on('close', (code) => { ... })` handler in runContainerAgent(), with the container's name in `containerName`",
        },
      ],
    };
  }
  const part: Part = {
    name: RELEASE_CALL,
    applied: ours.length > 0,
    add: () => [
      insertLinesAfter(
        source,
        handler!.getStart(),
        [RELEASE_COMMENT, styled(RELEASE_CALL, format)],
        indentAt(source, first!.getStart()),
      ),
    ],
    remove: () =>
      ours.map((s: ExpressionStatement) =>
        removeOurs(source, s, [RELEASE_COMMENT]),
      ),
  };
  return { part, problems: [] };
}
