/**
 * src/index.ts: load the provider plugins at startup, before the state that
 * may start agents is loaded.
 *
 * Releases that keep every secret out of containers also start the active
 * plugin then, so that what serves its containers (the Codex relay) runs
 * before any of them: `await loadPlugins({ containerRelay: ... })`, before
 * the credential proxy is started where there is one, and bound where the
 * proxy binds (PROXY_BIND_HOST) when container-runtime.ts has that. This
 * file shows the release: startCredentialProxy() or the OneCLI SDK, or
 * neither (secrets on stdin: `await loadPlugins();`, as before).
 */
import {
  Node,
  SyntaxKind,
  type SourceFile,
  type Statement,
} from '../../src/codemod/ts-morph.js';

import { callsTo, parse, topLevelFunctions } from '../../src/codemod/ast.js';
import type { Analysis, Part } from '../../src/codemod/define.js';
import {
  fits,
  styled,
  styledLines,
  trailingComma,
  type FormatOptions,
} from '../../src/codemod/format.js';
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
import { nanoclaw2Problem } from '../../src/codemod/release-marks.js';
import {
  commentedLineStart,
  indentAt,
  indentUnit,
  lineEnding,
  linesBefore,
  removeLines,
  shape,
} from '../../src/codemod/text.js';

const BIND_HOST = 'PROXY_BIND_HOST';
const RUNTIME_MODULE = './container-runtime.js';
const RUNTIME_FILE = 'src/container-runtime.ts';

/** How the plugins are loaded on each release. */
type Load = 'plain' | 'relay' | 'relay-bound';

const RELAY_OPTIONS: Record<Exclude<Load, 'plain'>, string> = {
  relay: 'containerRelay: {}',
  'relay-bound': `containerRelay: { bindHost: ${BIND_HOST} }`,
};

/** The call as the target would format it. */
function loadLines(
  load: Load,
  format: FormatOptions,
  unit: string,
  indent: string,
) {
  if (load === 'plain') return [styled('await loadPlugins();', format)];
  const property = RELAY_OPTIONS[load];
  const line = styled(`await loadPlugins({ ${property} });`, format);
  if (fits(indent + line, format)) return [line];
  return [
    'await loadPlugins({',
    ...styledLines([unit + property + trailingComma(format, 'list')], format),
    styled('});', format),
  ];
}

/** `await loadPlugins(...)`, directly in main(). */
function isLoadCall(statement: Statement): boolean {
  if (!Node.isExpressionStatement(statement)) return false;
  const awaited = statement.getExpression();
  if (!Node.isAwaitExpression(awaited)) return false;
  const call = awaited.getExpression();
  return (
    Node.isCallExpression(call) &&
    call.getExpression().getText() === 'loadPlugins'
  );
}

function importsFrom(file: SourceFile, module: string): string[] {
  return file
    .getImportDeclarations()
    .filter((d) => d.getModuleSpecifierValue() === module && !d.isTypeOnly())
    .flatMap((d) => d.getNamedImports().map((s) => s.getName()));
}

/** Uses of PROXY_BIND_HOST outside imports and outside the given statements. */
function otherUses(file: SourceFile, ours: Statement[]): number {
  return file
    .getDescendantsOfKind(SyntaxKind.Identifier)
    .filter(
      (id) =>
        id.getText() === BIND_HOST &&
        !id.getFirstAncestorByKind(SyntaxKind.ImportDeclaration) &&
        !ours.some(
          (s) => s.getStart() <= id.getStart() && id.getEnd() <= s.getEnd(),
        ),
    ).length;
}

function loadPluginsCallPart(
  source: string,
  statements: Statement[],
  load: Load,
  format: FormatOptions,
): PartResult {
  const calls = statements.filter(isLoadCall);
  const proxy = statements.filter(
    (s) => callsTo(s, 'startCredentialProxy').length > 0,
  );
  const loadState = statements.filter(
    (s) =>
      Node.isExpressionStatement(s) &&
      shape(s.getText()).replace(/;$/, '') === 'loadState()',
  );
  const anchor = proxy.length > 0 ? proxy : loadState;
  if (calls.length === 0 && anchor.length !== 1) {
    return {
      problems: [
        proxy.length > 0
          ? {
              anchor: 'startCredentialProxy()',
              expected:
                'one statement starting the credential proxy directly inside `async function main()`',
            }
          : {
              anchor: 'loadState()',
              expected:
                'one `loadState();` statement directly inside `async function main()`',
            },
      ],
    };
  }
  const part: Part = {
    name:
      load === 'plain'
        ? 'await loadPlugins();'
        : `await loadPlugins({ ${RELAY_OPTIONS[load]} });`,
    applied: calls.length > 0,
    add() {
      const at = commentedLineStart(source, anchor[0].getStart());
      const indent = indentAt(source, at);
      const lines = loadLines(load, format, indentUnit(source), indent);
      return [
        {
          start: at,
          end: at,
          text: linesBefore(lines, indent, lineEnding(source)),
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
  { format, targetExports }: ResolvedOptions,
): Analysis {
  const file = parse(source);
  const v2 = nanoclaw2Problem(file, 'its /add-codex skill');
  if (v2) return { parts: [], problems: [v2] };

  const mains = topLevelFunctions(file, 'main').filter((f) => f.isAsync());
  if (mains.length !== 1) {
    return {
      parts: [],
      problems: [
        {
          anchor: 'loadState()',
          expected:
            'one `loadState();` statement directly inside `async function main()`',
        },
      ],
    };
  }
  const statements = mains[0]
    .getBody()!
    .asKindOrThrow(SyntaxKind.Block)
    .getStatements();
  const calls = statements.filter(isLoadCall);

  // The release, as this file shows it; a call already there says what apply chose.
  const relay =
    statements.some((s) => callsTo(s, 'startCredentialProxy').length > 0) ||
    file
      .getImportDeclarations()
      .some((d) => d.getModuleSpecifierValue() === '@onecli-sh/sdk');
  const imported = importsFrom(file, RUNTIME_MODULE).includes(BIND_HOST);
  const bindHostKnown =
    imported || (targetExports[RUNTIME_FILE] ?? []).includes(BIND_HOST);
  const load: Load =
    calls.length > 0
      ? calls.some((c) => c.getText().includes(BIND_HOST))
        ? 'relay-bound'
        : calls.some((c) => c.getText().includes('containerRelay'))
          ? 'relay'
          : 'plain'
      : !relay
        ? 'plain'
        : bindHostKnown
          ? 'relay-bound'
          : 'relay';

  // PROXY_BIND_HOST is imported for the call when the file lacks it; after
  // apply, an import nothing else uses is the one apply added.
  const ours = calls.length === 0 ? !imported : otherUses(file, calls) === 0;
  const importBindHost =
    load === 'relay-bound' && ours
      ? [
          namedImportPart(
            file,
            source,
            { module: RUNTIME_MODULE, names: [BIND_HOST], create: true },
            format,
          ),
        ]
      : [];

  return combine([
    namedImportPart(
      file,
      source,
      { module: './plugin-loader.js', names: ['loadPlugins'], create: true },
      format,
    ),
    ...importBindHost,
    loadPluginsCallPart(source, statements, load, format),
  ]);
}

export const codemod = defineFormattedCodemod({
  id: 'add-plugin-loading',
  description: 'Load provider plugins when NanoClaw starts (src/index.ts)',
  files: 'src/index.ts',
  analyze,
});

export const { apply, revert, isApplied, detect } = codemod;
export default formattedTransform(codemod);
