/**
 * src/index.ts: start the health endpoint (src/healthcheck.ts) in main(),
 * right after `loadState();`: from then on NanoClaw has come through its
 * start, and every 1.x release has that statement there.
 */
import {
  Node,
  SyntaxKind,
  type Statement,
} from '../../src/codemod/ts-morph.js';

import { parse, topLevelFunctions } from '../../src/codemod/ast.js';
import type { Analysis, Part } from '../../src/codemod/define.js';
import { styled, type FormatOptions } from '../../src/codemod/format.js';
import {
  combine,
  namedImportPart,
  type PartResult,
} from '../../src/codemod/formatted-parts.js';
import {
  defineFormattedCodemod,
  formattedTransform,
  type ResolvedOptions,
} from '../../src/codemod/options.js';
import {
  indentAt,
  lineEnd,
  lineEnding,
  linesAfter,
  removeLines,
  shape,
} from '../../src/codemod/text.js';

const START = 'startHealthcheck';
const ANCHOR_PROBLEM = {
  anchor: 'loadState()',
  expected:
    'one `loadState();` statement directly inside `async function main()`',
};

/** `name();` as a statement of its own (any arguments, no await). */
function isCallStatement(statement: Statement, name: string): boolean {
  if (!Node.isExpressionStatement(statement)) return false;
  const call = statement.getExpression();
  return Node.isCallExpression(call) && call.getExpression().getText() === name;
}

function startCallPart(
  source: string,
  statements: Statement[],
  format: FormatOptions,
): PartResult {
  const calls = statements.filter((s) => isCallStatement(s, START));
  const anchors = statements.filter(
    (s) => shape(s.getText()).replace(/;$/, '') === 'loadState()',
  );
  if (calls.length === 0 && anchors.length !== 1) {
    return { problems: [ANCHOR_PROBLEM] };
  }
  const part: Part = {
    name: `${START}();`,
    applied: calls.length > 0,
    add() {
      const anchor = anchors[0];
      const at = lineEnd(source, anchor.getEnd());
      const line = styled(`${START}();`, format);
      const indent = indentAt(source, anchor.getStart());
      return [
        {
          start: at,
          end: at,
          text: linesAfter([line], indent, lineEnding(source)),
        },
      ];
    },
    remove: () =>
      calls.map((call) => removeLines(source, call.getStart(), call.getEnd())),
  };
  return { part, problems: [] };
}

function analyze(
  source: string,
  _filePath: string,
  { format }: ResolvedOptions,
): Analysis {
  const file = parse(source);
  const mains = topLevelFunctions(file, 'main').filter((f) => f.isAsync());
  if (mains.length !== 1) return { parts: [], problems: [ANCHOR_PROBLEM] };
  const statements = mains[0]
    .getBody()!
    .asKindOrThrow(SyntaxKind.Block)
    .getStatements();
  return combine([
    namedImportPart(
      file,
      source,
      { module: './healthcheck.js', names: [START], create: true },
      format,
    ),
    startCallPart(source, statements, format),
  ]);
}

export const codemod = defineFormattedCodemod({
  id: 'add-healthcheck-start',
  description: 'Start the health endpoint in main() (src/index.ts)',
  files: 'src/index.ts',
  analyze,
});

export const { apply, revert, isApplied, detect } = codemod;
export default formattedTransform(codemod);
