import { ts } from 'ts-morph';

/**
 * Syntax errors in a TypeScript file, as "line:col message". Codemods must not
 * run on a file that does not parse: their anchors would be guesses.
 */
export function syntaxErrors(source: string, fileName: string): string[] {
  const { diagnostics = [] } = ts.transpileModule(source, {
    fileName,
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.ESNext, noEmit: true },
  });
  return diagnostics.map((diagnostic) => {
    const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    if (diagnostic.file && diagnostic.start !== undefined) {
      const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(
        diagnostic.start,
      );
      return `${line + 1}:${character + 1} ${text}`;
    }
    return text;
  });
}
