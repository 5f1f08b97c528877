import { parse } from '../codemod/ast.js';
import { ts } from '../codemod/ts-morph.js';

type Parsed = {
  parseDiagnostics?: readonly import('ts-morph').ts.Diagnostic[];
};

/**
 * Syntax errors in a TypeScript file, as "line:col message". Codemods must not
 * run on a file that does not parse: their anchors would be guesses. It uses
 * the codemods' shared parse, so the codemod that runs next reuses it. The
 * diagnostics field is internal to TypeScript, so the public (and slower,
 * program-building) transpileModule remains the fallback.
 */
export function syntaxErrors(source: string, fileName: string): string[] {
  const file = parse(source).compilerNode;
  const diagnostics =
    (file as unknown as Parsed).parseDiagnostics ??
    ts.transpileModule(source, { fileName, reportDiagnostics: true })
      .diagnostics ??
    [];
  return diagnostics.map((diagnostic) => {
    const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    if (diagnostic.start === undefined) return text;
    const { line, character } = file.getLineAndCharacterOfPosition(
      diagnostic.start,
    );
    return `${line + 1}:${character + 1} ${text}`;
  });
}
