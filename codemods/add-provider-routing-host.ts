/**
 * src/container-runner.ts: hand the active provider to the container. The
 * container input gets a `provider`, the active plugin's container module is
 * copied next to the agent runner, and readSecrets() becomes async so that it
 * can add the plugin's secrets (read before the spawn: the Promise executor
 * that writes stdin cannot await).
 */
import {
  Node,
  SyntaxKind,
  type ExpressionStatement,
  type SourceFile,
} from '../src/codemod/ts-morph.js';

import { onlyFunction, parse } from '../src/codemod/ast.js';
import {
  defineCodemod,
  jscodeshiftTransform,
  type Analysis,
  type Part,
} from '../src/codemod/define.js';
import {
  combine,
  interfaceMemberPart,
  namedImportPart,
  type PartResult,
} from '../src/codemod/parts.js';
import {
  readSecretsCallersPart,
  readSecretsPart,
} from '../src/codemod/read-secrets.js';
import {
  commentedLineStart,
  indentAt,
  insertLinesAfter,
  lineEnding,
  lineStart,
  linesBefore,
  removeCommented,
  removeLines,
  shape,
  type Edit,
} from '../src/codemod/text.js';

const COPY_COMMENT =
  '// Every run: the copy above is made once, but the provider can change.';
const COPY_CALL = 'copyContainerProvider(groupAgentRunnerDir);';

/** `copyContainerProvider(groupAgentRunnerDir)` after the block that copies the agent runner. */
function copyProviderPart(file: SourceFile, source: string): PartResult {
  const fn = onlyFunction(file, 'buildVolumeMounts');
  const body = fn?.getBody();
  const calls = (
    body?.getDescendantsOfKind(SyntaxKind.ExpressionStatement) ?? []
  ).filter((s) => shape(s.getText()) === shape(COPY_CALL));
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
  if (calls.length === 0 && copyBlocks.length !== 1) {
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
      const block = copyBlocks[0];
      const indent = indentAt(source, block.getStart());
      return [
        insertLinesAfter(
          source,
          block.getEnd(),
          [COPY_COMMENT, COPY_CALL],
          indent,
        ),
      ];
    },
    remove: () =>
      calls.map((call) =>
        removeCommented(source, call.getStart(), call.getEnd(), COPY_COMMENT),
      ),
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

/**
 * In runContainerAgent(): `input.secrets = await readSecrets();` and
 * `input.provider = AGENT_PROVIDER;` before `return new Promise(`, in place of
 * the `input.secrets = readSecrets();` inside the executor.
 */
function runContainerAgentPart(file: SourceFile, source: string): PartResult {
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
  const oldRead = executorStatements.find(
    (s) => assignment(s, 'secrets')?.value === 'readSecrets()',
  );
  const target =
    (oldRead && assignment(oldRead, 'secrets')!.target) ??
    before.map((s) => assignment(s, 'secrets')?.target).find((t) => t) ??
    'input';
  const awaitedRead = ours('secrets', 'await readSecrets()');
  const provider = ours('provider', 'AGENT_PROVIDER');
  const stdinWrite = executorStatements.find((s) =>
    shape(s.getText()).includes(`.write(JSON.stringify(${target})`),
  );

  const problems = [];
  if (!awaitedRead && !oldRead) {
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

  const part: Part = {
    name: 'runContainerAgent() awaits secrets and passes the provider',
    applied: Boolean(awaitedRead && provider && !oldRead),
    add() {
      const lines = [
        ...(awaitedRead ? [] : [`${target}.secrets = await readSecrets();`]),
        ...(provider ? [] : [`${target}.provider = AGENT_PROVIDER;`]),
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
      if (!oldRead) {
        const at = lineStart(source, stdinWrite!.getStart());
        const line = `${target}.secrets = readSecrets();`;
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

function analyze(source: string): Analysis {
  const file = parse(source);
  return combine([
    namedImportPart(file, source, {
      module: './config.js',
      names: ['AGENT_PROVIDER'],
      create: false,
    }),
    namedImportPart(file, source, {
      module: './plugin-loader.js',
      names: ['copyContainerProvider', 'getActivePlugin'],
      create: true,
    }),
    interfaceMemberPart(file, source, {
      interfaceName: 'ContainerInput',
      member: 'provider',
      text: 'provider?: string;',
      afterMember: 'secrets',
    }),
    copyProviderPart(file, source),
    readSecretsPart(file, source),
    readSecretsCallersPart(file, source),
    runContainerAgentPart(file, source),
  ]);
}

export const codemod = defineCodemod({
  id: 'add-provider-routing-host',
  description:
    'Pass the selected provider and its plugin secrets to the agent container (src/container-runner.ts)',
  files: 'src/container-runner.ts',
  analyze,
});

export const { apply, revert, isApplied, detect } = codemod;
export default jscodeshiftTransform(codemod);
