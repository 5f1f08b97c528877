/**
 * src/index.ts: load the provider plugins at startup, before the state that
 * may start agents is loaded.
 */
import { Node, SyntaxKind, type SourceFile } from '../src/codemod/ts-morph.js';

import { parse, topLevelFunctions } from '../src/codemod/ast.js';
import {
  defineCodemod,
  jscodeshiftTransform,
  type Analysis,
  type Part,
} from '../src/codemod/define.js';
import {
  combine,
  namedImportPart,
  type PartResult,
} from '../src/codemod/parts.js';
import {
  commentedLineStart,
  indentAt,
  lineEnding,
  linesBefore,
  removeLines,
  shape,
} from '../src/codemod/text.js';

const LOAD = 'await loadPlugins();';

function loadPluginsCallPart(file: SourceFile, source: string): PartResult {
  const mains = topLevelFunctions(file, 'main').filter((f) => f.isAsync());
  const statements =
    mains.length === 1
      ? mains[0].getBody()!.asKindOrThrow(SyntaxKind.Block).getStatements()
      : [];
  const calls = statements.filter((s) => shape(s.getText()) === shape(LOAD));
  const loadState = statements.filter(
    (s) =>
      Node.isExpressionStatement(s) &&
      shape(s.getText()) === shape('loadState();'),
  );
  if (calls.length === 0 && loadState.length !== 1) {
    return {
      problems: [
        {
          anchor: 'loadState()',
          expected:
            'one `loadState();` statement directly inside `async function main()`',
        },
      ],
    };
  }
  const part: Part = {
    name: LOAD,
    applied: calls.length > 0,
    add() {
      const at = commentedLineStart(source, loadState[0].getStart());
      return [
        {
          start: at,
          end: at,
          text: linesBefore([LOAD], indentAt(source, at), lineEnding(source)),
        },
      ];
    },
    remove: () =>
      calls.map((call) => removeLines(source, call.getStart(), call.getEnd())),
  };
  return { part, problems: [] };
}

function analyze(source: string): Analysis {
  const file = parse(source);
  return combine([
    namedImportPart(file, source, {
      module: './plugin-loader.js',
      names: ['loadPlugins'],
      create: true,
    }),
    loadPluginsCallPart(file, source),
  ]);
}

export const codemod = defineCodemod({
  id: 'add-plugin-loading',
  description: 'Load provider plugins when NanoClaw starts (src/index.ts)',
  files: 'src/index.ts',
  analyze,
});

export const { apply, revert, isApplied, detect } = codemod;
export default jscodeshiftTransform(codemod);
