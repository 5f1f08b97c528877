/**
 * Parts shared by several codemods, a named import and an interface member,
 * written in the target's format (./format.ts): an import list laid out for its print width
 * and trailing commas, a new import in its quotes and semicolons, a member
 * with or without its semicolon.
 */
import {
  Node,
  SyntaxKind,
  type ImportDeclaration,
  type NamedImports,
  type SourceFile,
} from './ts-morph.js';

import type { Part } from './define.js';
import {
  fits,
  quoted,
  styled,
  trailingComma,
  type FormatOptions,
} from './format.js';
import { importList, insertItems, removeItems } from './layout.js';
import type { PartResult } from './parts.js';
import {
  indentAt,
  indentUnit,
  lineEnd,
  lineEnding,
  linesAfter,
  ownsLines,
  removeLines,
} from './text.js';

export { combine, type PartResult } from './parts.js';

function namedImportsFrom(
  file: SourceFile,
  module: string,
): ImportDeclaration[] {
  return file
    .getImportDeclarations()
    .filter(
      (d) =>
        d.getModuleSpecifierValue() === module &&
        !d.isTypeOnly() &&
        d.getNamedImports().length > 0,
    );
}

function namedImportsNode(declaration: ImportDeclaration): NamedImports {
  return declaration
    .getImportClauseOrThrow()
    .getNamedBindingsOrThrow()
    .asKindOrThrow(SyntaxKind.NamedImports);
}

const before = (a: string, b: string): boolean =>
  a.toLowerCase() < b.toLowerCase();

/** `import { a, b } from 'module';`, split one name per line when it does not fit. */
export function importStatement(
  names: string[],
  module: string,
  format: FormatOptions,
  unit: string,
): string[] {
  const from = styled(`} from ${quoted(module, format)};`, format);
  const line = `import { ${names.join(', ')} ${from}`;
  if (fits(line, format) || names.length === 1) return [line];
  const last = names.length - 1;
  return [
    'import {',
    ...names.map(
      (name, i) =>
        unit + name + (i < last ? ',' : trailingComma(format, 'list')),
    ),
    from,
  ];
}

/**
 * Names imported from a module. With `create`, a missing declaration is added
 * after the last import (and removed again when it holds only these names);
 * without, the file must already import something by name from that module.
 */
export function namedImportPart(
  file: SourceFile,
  source: string,
  options: { module: string; names: string[]; create: boolean },
  format: FormatOptions,
): PartResult {
  const { module, names, create } = options;
  const declaration = namedImportsFrom(file, module)[0];
  const imported = (declaration?.getNamedImports() ?? []).map((s) =>
    s.getName(),
  );
  const missing = names.filter((n) => !imported.includes(n));
  const name = `import { ${names.join(', ')} } from '${module}'`;
  const lastImport = file.getImportDeclarations().at(-1);

  if (!declaration && (!create || !lastImport)) {
    return {
      problems: [
        {
          anchor: create
            ? 'import declarations'
            : `import { ... } from '${module}'`,
          expected: create
            ? 'at least one import at the top of the file'
            : `a named import from '${module}'`,
        },
      ],
    };
  }

  const part: Part = {
    name,
    applied: missing.length === 0,
    add() {
      if (declaration) {
        const list = importList(namedImportsNode(declaration));
        const sorted = imported.every(
          (n, i) => i === 0 || !before(n, imported[i - 1]),
        );
        return insertItems(
          source,
          list,
          missing.map((text) => ({
            index: sorted
              ? imported.filter((n) => before(n, text)).length
              : imported.length,
            text,
          })),
          format,
        );
      }
      const lines = importStatement(
        missing,
        module,
        format,
        indentUnit(source),
      );
      const at = lineEnd(source, lastImport!.getEnd());
      return [
        { start: at, end: at, text: linesAfter(lines, '', lineEnding(source)) },
      ];
    },
    remove() {
      const ours = imported.filter((n) => names.includes(n));
      const node = declaration!;
      if (
        create &&
        ours.length === imported.length &&
        ownsLines(source, node.getStart(), node.getEnd())
      ) {
        return [removeLines(source, node.getStart(), node.getEnd())];
      }
      const list = importList(namedImportsNode(node));
      return removeItems(
        source,
        list,
        imported.flatMap((n, i) => (names.includes(n) ? [i] : [])),
        format,
      );
    },
  };
  return { part, problems: [] };
}

/**
 * A member added to an interface, after `afterMember` when it has one, else
 * after the last member. The interface must list one member per line.
 */
export function interfaceMemberPart(
  file: SourceFile,
  source: string,
  options: {
    interfaceName: string;
    member: string;
    /** Written with its semicolon; dropped for a target without semicolons. */
    text: string;
    afterMember: string;
  },
  format: FormatOptions,
): PartResult {
  const { interfaceName, member, text, afterMember } = options;
  const found = file
    .getInterfaces()
    .filter((i) => i.getName() === interfaceName);
  const iface = found.length === 1 ? found[0] : undefined;
  const members = iface?.getMembers() ?? [];
  const existing = members.filter(
    (m) => Node.isPropertySignature(m) && m.getName() === member,
  );
  const anchor =
    members.find(
      (m) => Node.isPropertySignature(m) && m.getName() === afterMember,
    ) ?? members.at(-1);
  const oneMemberPerLine =
    anchor !== undefined &&
    ownsLines(source, anchor.getStart(), anchor.getEnd());

  if (!iface || (existing.length === 0 && !oneMemberPerLine)) {
    return {
      problems: [
        {
          anchor: `interface ${interfaceName}`,
          expected: `one interface ${interfaceName} { ... } listing one member per line`,
        },
      ],
    };
  }
  const part: Part = {
    name: `${interfaceName}.${member}`,
    applied: existing.length > 0,
    add() {
      const at = lineEnd(source, anchor!.getEnd());
      const indent = indentAt(source, anchor!.getStart());
      return [
        {
          start: at,
          end: at,
          text: linesAfter([styled(text, format)], indent, lineEnding(source)),
        },
      ];
    },
    remove: () =>
      existing.map((m) => removeLines(source, m.getStart(), m.getEnd())),
  };
  return { part, problems: [] };
}
