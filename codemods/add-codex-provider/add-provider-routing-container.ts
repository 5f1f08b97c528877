/**
 * container/agent-runner/src/index.ts: when the host names a provider other
 * than Claude, hand the input to the provider module the host copied next to
 * the runner (provider-<name>.js) instead of the Claude query loop.
 *
 * The same on every 1.x release: ContainerInput gets `provider` after
 * `secrets` where it has that (stdin secrets), else after its last member.
 * A NanoClaw 2.x runner (its own provider registry) is refused.
 */
import {
  Node,
  SyntaxKind,
  type SourceFile,
} from '../../src/codemod/ts-morph.js';

import {
  parse,
  statementIn,
  topLevelFunctions,
  topLevelVariables,
} from '../../src/codemod/ast.js';
import type { Analysis, Part } from '../../src/codemod/define.js';
import {
  fits,
  styledLines,
  type FormatOptions,
} from '../../src/codemod/format.js';
import {
  combine,
  interfaceMemberPart,
  type PartResult,
} from '../../src/codemod/formatted-parts.js';
import {
  defineFormattedCodemod,
  formattedTransform,
  type ResolvedOptions,
} from '../../src/codemod/options.js';
import { nanoclaw2Problem } from '../../src/codemod/release-marks.js';
import {
  indentAt,
  indentUnit,
  lineEnd,
  lineEnding,
  linesAfter,
  removeLines,
  shape,
} from '../../src/codemod/text.js';

const CONDITION =
  "containerInput.provider && containerInput.provider !== 'claude'";

const IMPORT = 'const { runProvider } = await import(';
const MODULE = '`./provider-${containerInput.provider}.js`';

/** The lines in the target's format; the import on one line where it fits. */
function routingLines(
  unit: string,
  indent: string,
  format: FormatOptions,
): string[] {
  const oneLine = `${unit}${IMPORT}${MODULE});`;
  const dynamicImport = fits(indent + oneLine, format)
    ? [oneLine]
    : [`${unit}${IMPORT}`, `${unit}${unit}${MODULE}`, `${unit});`];
  return styledLines(
    [
      `if (${CONDITION}) {`,
      `${unit}log(\`Using \${containerInput.provider} provider\`);`,
      ...dynamicImport,
      `${unit}await runProvider(containerInput);`,
      `${unit}return;`,
      `} else if (containerInput.sessionId?.includes(':')) {`,
      `${unit}// Another provider's session (e.g. codex:<id>): Claude cannot resume it.`,
      `${unit}delete containerInput.sessionId;`,
      '}',
    ],
    format,
  );
}

/** Sets containerInput: `containerInput = JSON.parse(...)` in a try, or a declaration with a value. */
function isInputParse(node: Node): boolean {
  if (Node.isBinaryExpression(node)) {
    return (
      node.getOperatorToken().getKind() === SyntaxKind.EqualsToken &&
      node.getLeft().getText() === 'containerInput'
    );
  }
  return (
    Node.isVariableDeclaration(node) &&
    node.getName() === 'containerInput' &&
    node.hasInitializer()
  );
}

function routingPart(
  file: SourceFile,
  source: string,
  format: FormatOptions,
): PartResult {
  const mains = topLevelFunctions(file, 'main').filter((f) => f.isAsync());
  const body =
    mains.length === 1
      ? mains[0].getBody()!.asKindOrThrow(SyntaxKind.Block)
      : undefined;
  const routes = (body?.getStatements() ?? []).filter(
    (s) =>
      Node.isIfStatement(s) &&
      shape(s.getExpression().getText()) === shape(CONDITION),
  );
  const parses = new Set(
    body
      ? [
          ...body.getDescendantsOfKind(SyntaxKind.BinaryExpression),
          ...body.getDescendantsOfKind(SyntaxKind.VariableDeclaration),
        ]
          .filter(isInputParse)
          .map((node) => statementIn(body, node))
      : [],
  );
  const anchor = parses.size === 1 ? [...parses][0] : undefined;
  const hasLog =
    topLevelFunctions(file, 'log').length > 0 ||
    topLevelVariables(file, 'log').length > 0;

  const problems = [];
  if (routes.length === 0 && !anchor) {
    problems.push({
      anchor: 'containerInput',
      expected:
        'one statement in `async function main()` that parses stdin into containerInput',
    });
  }
  if (routes.length === 0 && !hasLog) {
    problems.push({
      anchor: 'log()',
      expected: 'a top-level function log(message) for progress messages',
    });
  }
  if (problems.length > 0) return { problems };

  const part: Part = {
    name: 'route to the provider module',
    applied: routes.length > 0,
    add() {
      const at = lineEnd(source, anchor!.getEnd());
      const indent = indentAt(source, anchor!.getStart());
      const lines = routingLines(indentUnit(source), indent, format);
      return [
        {
          start: at,
          end: at,
          text: linesAfter(lines, indent, lineEnding(source), true),
        },
      ];
    },
    remove: () =>
      routes.map((r) => removeLines(source, r.getStart(), r.getEnd(), true)),
  };
  return { part, problems: [] };
}

function analyze(
  source: string,
  _filePath: string,
  { format }: ResolvedOptions,
): Analysis {
  const file = parse(source);
  const v2 = nanoclaw2Problem(file, 'its /add-codex skill');
  if (v2) return { parts: [], problems: [v2] };
  return combine([
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
    routingPart(file, source, format),
  ]);
}

export const codemod = defineFormattedCodemod({
  id: 'add-provider-routing-container',
  description:
    'Run the selected provider inside the agent container (container/agent-runner/src/index.ts)',
  files: 'container/agent-runner/src/index.ts',
  analyze,
});

export const { apply, revert, isApplied, detect } = codemod;
export default formattedTransform(codemod);
