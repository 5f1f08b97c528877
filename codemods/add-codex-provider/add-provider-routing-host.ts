/**
 * src/container-runner.ts: hand the active provider to the container. The
 * container input gets a `provider`, and the active plugin's container module
 * is copied next to the agent runner on every run. The rest depends on how the
 * release keeps secrets, which this file shows:
 *
 * - secrets on stdin (readSecrets()): readSecrets() becomes async so that it
 *   can add the plugin's secrets (read before the spawn: the Promise executor
 *   that writes stdin cannot await);
 * - no secrets in containers (credential proxy, OneCLI): the plugin adds its
 *   docker arguments to each run (providerContainerArgs: the Codex relay's
 *   address and a key for that run) and revokes them when the container has
 *   exited (releaseProviderContainer).
 *
 * A NanoClaw 2.x file is refused as a whole.
 */
import {
  Node,
  SyntaxKind,
  type ExpressionStatement,
  type SourceFile,
} from '../../src/codemod/ts-morph.js';

import { onlyFunction, parse } from '../../src/codemod/ast.js';
import {
  containerArgsPart,
  releaseOnClosePart,
} from './lib/container-relay.js';
import type { Analysis, Part } from '../../src/codemod/define.js';
import {
  sameCode,
  styled,
  type FormatOptions,
} from '../../src/codemod/format.js';
import {
  combine,
  interfaceMemberPart,
  namedImportPart,
  type PartResult,
} from '../../src/codemod/formatted-parts.js';
import {
  defineFormattedCodemod,
  formattedTransform,
  type ResolvedOptions,
} from '../../src/codemod/options.js';
import {
  nanoclaw2Problem,
  usesStdinSecrets,
} from '../../src/codemod/release-marks.js';
import { readSecretsCallersPart, readSecretsPart } from './lib/read-secrets.js';
import {
  commentedLineStart,
  indentAt,
  insertLinesAfter,
  lineEnding,
  lineStart,
  linesBefore,
  previousLine,
  removeCommented,
  removeLines,
  shape,
  type Edit,
} from '../../src/codemod/text.js';

const COPY_COMMENT =
  '// Every run: the copy above is made once, but the provider can change.';
/** For a runner copy that is refreshed when stale (OneCLI releases). */
const REFRESH_COMMENT =
  '// Every run: the copy above may be skipped, but the provider can change.';
const COPY_CALL = 'copyContainerProvider(groupAgentRunnerDir);';

/**
 * `copyContainerProvider(groupAgentRunnerDir)` after the block that copies the
 * agent runner: after the outermost such block, so that a copy nested in a
 * staleness check (`if (needsCopy) { ... }`) does not keep it from every run.
 */
function copyProviderPart(
  file: SourceFile,
  source: string,
  format: FormatOptions,
): PartResult {
  const fn = onlyFunction(file, 'buildVolumeMounts');
  const body = fn?.getBody();
  const calls = (
    body?.getDescendantsOfKind(SyntaxKind.ExpressionStatement) ?? []
  ).filter((s) => sameCode(s.getText(), COPY_CALL));
  const copyBlocks = (
    body?.getDescendantsOfKind(SyntaxKind.IfStatement) ?? []
  ).filter((s) =>
    s
      .getThenStatement()
      .getDescendantsOfKind(SyntaxKind.CallExpression)
      .some(
        (call) =>
          call.getExpression().getText().endsWith('cpSync') &&
          call
            .getArguments()
            .some((a) => a.getText() === 'groupAgentRunnerDir'),
      ),
  );
  const outermost = copyBlocks.filter(
    (block) =>
      !copyBlocks.some(
        (other) =>
          other !== block &&
          other.getStart() <= block.getStart() &&
          block.getEnd() <= other.getEnd(),
      ),
  );
  if (calls.length === 0 && outermost.length !== 1) {
    return {
      problems: [
        {
          anchor: 'buildVolumeMounts()',
          expected:
            'one `if (...) { fs.cpSync(agentRunnerSrc, groupAgentRunnerDir, ...); }` block in function buildVolumeMounts()',
        },
      ],
    };
  }
  const part: Part = {
    name: COPY_CALL,
    applied: calls.length > 0,
    add() {
      const block = outermost[0];
      const indent = indentAt(source, block.getStart());
      const comment = copyBlocks.length > 1 ? REFRESH_COMMENT : COPY_COMMENT;
      return [
        insertLinesAfter(
          source,
          block.getEnd(),
          [comment, styled(COPY_CALL, format)],
          indent,
        ),
      ];
    },
    remove: () =>
      calls.map((call) => {
        const above = previousLine(source, call.getStart())?.trim();
        const comment =
          above === REFRESH_COMMENT ? REFRESH_COMMENT : COPY_COMMENT;
        return removeCommented(source, call.getStart(), call.getEnd(), comment);
      }),
  };
  return { part, problems: [] };
}

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
function runContainerAgentPart(
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

/** readSecretsPart, with the trailing comma of the merged object as the target writes it. */
function formattedReadSecretsPart(
  file: SourceFile,
  source: string,
  format: FormatOptions,
): PartResult {
  const result = readSecretsPart(file, source);
  const part = result.part;
  if (!part || format.trailingComma !== 'none') return result;
  return {
    ...result,
    part: {
      ...part,
      add: () =>
        part.add().map((edit) => ({
          ...edit,
          text: edit.text.replace(/,(\r?\n[ \t]*\})$/, '$1'),
        })),
    },
  };
}

function analyze(
  source: string,
  _filePath: string,
  { format }: ResolvedOptions,
): Analysis {
  const file = parse(source);
  const v2 = nanoclaw2Problem(file, 'its /add-codex skill');
  if (v2) return { parts: [], problems: [v2] };
  const stdin = usesStdinSecrets(file);
  return combine([
    namedImportPart(
      file,
      source,
      { module: './config.js', names: ['AGENT_PROVIDER'], create: false },
      format,
    ),
    namedImportPart(
      file,
      source,
      {
        module: './plugin-loader.js',
        names: stdin
          ? ['copyContainerProvider', 'getActivePlugin']
          : [
              'copyContainerProvider',
              'providerContainerArgs',
              'releaseProviderContainer',
            ],
        create: true,
      },
      format,
    ),
    interfaceMemberPart(
      file,
      source,
      {
        interfaceName: 'ContainerInput',
        member: 'provider',
        text: 'provider?: string;',
        afterMember: 'secrets',
      },
      format,
    ),
    copyProviderPart(file, source, format),
    ...(stdin
      ? [
          formattedReadSecretsPart(file, source, format),
          readSecretsCallersPart(file, source),
        ]
      : [
          containerArgsPart(file, source, format),
          releaseOnClosePart(file, source, format),
        ]),
    runContainerAgentPart(file, source, format, stdin),
  ]);
}

export const codemod = defineFormattedCodemod({
  id: 'add-provider-routing-host',
  description:
    'Pass the selected provider, and its plugin secrets or container settings, to the agent container (src/container-runner.ts)',
  files: 'src/container-runner.ts',
  analyze,
});

export const { apply, revert, isApplied, detect } = codemod;
export default formattedTransform(codemod);
