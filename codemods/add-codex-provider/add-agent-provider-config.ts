/**
 * src/config.ts: read AGENT_PROVIDER from .env with the other settings and
 * export it (default 'claude'), so the host can pick a provider plugin.
 */
import {
  Node,
  type SourceFile,
  type VariableStatement,
} from '../../src/codemod/ts-morph.js';

import {
  parse,
  stringValue,
  topLevelVariables,
} from '../../src/codemod/ast.js';
import type { Analysis, Part } from '../../src/codemod/define.js';
import {
  fits,
  quoted,
  styled,
  styledLines,
  type FormatOptions,
} from '../../src/codemod/format.js';
import {
  arrayList,
  insertItems,
  removeItems,
} from '../../src/codemod/layout.js';
import {
  defineFormattedCodemod,
  formattedTransform,
  type ResolvedOptions,
} from '../../src/codemod/options.js';
import {
  indentUnit,
  insertLinesAfter,
  removeCommented,
  removeLines,
} from '../../src/codemod/text.js';

const KEY = 'AGENT_PROVIDER';
const COMMENT = `// Which LLM runs the agents: 'claude' (built in) or a plugin in plugins/<name>/.`;
const TYPE = `export type AgentProvider = 'claude' | 'codex';`;
const EXPORT = [
  'export const AGENT_PROVIDER: AgentProvider = (process.env.AGENT_PROVIDER ||',
  'envConfig.AGENT_PROVIDER ||',
  "'claude') as AgentProvider;",
];

/** The export on one line when it fits the print width, else as prettier breaks it. */
function exportLines(unit: string, format: FormatOptions): string[] {
  const line = styled(EXPORT.join(' '), format);
  if (fits(line, format)) return [line];
  return styledLines(
    EXPORT.map((text, i) => (i === 0 ? text : unit + text)),
    format,
  );
}

function envConfigArray(file: SourceFile) {
  const declarations = topLevelVariables(file, 'envConfig');
  if (declarations.length !== 1) return undefined;
  const call = declarations[0].getInitializer();
  if (
    !Node.isCallExpression(call) ||
    call.getExpression().getText() !== 'readEnvFile'
  ) {
    return undefined;
  }
  const array = call.getArguments()[0];
  return Node.isArrayLiteralExpression(array) ? array : undefined;
}

function exportedStatement(
  file: SourceFile,
  name: string,
): VariableStatement | undefined {
  return topLevelVariables(file, name)
    .map((d) => d.getVariableStatementOrThrow())
    .find((s) => s.isExported() && s.getDeclarations().length === 1);
}

function analyze(
  source: string,
  _filePath: string,
  { format }: ResolvedOptions,
): Analysis {
  const file = parse(source);
  const array = envConfigArray(file);
  if (!array) {
    return {
      parts: [],
      problems: [
        {
          anchor: 'envConfig',
          expected:
            'one top-level `const envConfig = readEnvFile([...])` with an array of keys',
        },
      ],
    };
  }
  const elements = array.getElements();
  const keyIndex = elements.findIndex((e) => stringValue(e) === KEY);

  const readKey: Part = {
    name: `'${KEY}' in readEnvFile([...])`,
    applied: keyIndex !== -1,
    add: () =>
      insertItems(
        source,
        arrayList(array),
        [{ index: elements.length, text: quoted(KEY, format) }],
        format,
      ),
    remove: () => removeItems(source, arrayList(array), [keyIndex], format),
  };

  const constant = exportedStatement(file, KEY);
  const existingType = file.getTypeAlias('AgentProvider');
  const exportKey: Part = {
    name: `export const ${KEY}`,
    applied: constant !== undefined,
    add() {
      const type = styled(TYPE, format);
      const lines = [COMMENT, type, ...exportLines(indentUnit(source), format)];
      // After the last code or comment, before the file's trailing line breaks;
      // the type only when the file has none (ours, left above, is found).
      return [
        insertLinesAfter(source, source.trimEnd().length, lines, '', {
          blankLineBefore: true,
          omit: (line) => line === type && existingType !== undefined,
        }),
      ];
    },
    remove() {
      const nodes = [
        existingType?.isExported() ? existingType : undefined,
        constant!,
      ].filter((n) => n !== undefined);
      // The first one carries the comment and the blank line apply put above.
      return nodes.map((node, i) =>
        i === 0
          ? removeCommented(
              source,
              node.getStart(),
              node.getEnd(),
              COMMENT,
              true,
            )
          : removeLines(source, node.getStart(), node.getEnd()),
      );
    },
  };
  return { parts: [readKey, exportKey], problems: [] };
}

export const codemod = defineFormattedCodemod({
  id: 'add-agent-provider-config',
  description: 'Read AGENT_PROVIDER from .env and export it from src/config.ts',
  files: 'src/config.ts',
  analyze,
});

export const { apply, revert, isApplied, detect } = codemod;
export default formattedTransform(codemod);
