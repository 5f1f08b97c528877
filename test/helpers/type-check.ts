/**
 * `tsc --noEmit` in this process, for tests that assert only "this type-checks"
 * (a real build stays a real `npm run build`).
 *
 * A tsc process spends most of its time loading the compiler and parsing the
 * declaration files it always reads (lib.*.d.ts, @types/node). Here the compiler is
 * loaded once per sample install, and every declaration file under node_modules is
 * parsed once per install and shared by all checks: a copy's node_modules is hard
 * links into that install, so the files are the same bytes. The sources being
 * checked are read fresh every time.
 */
import { createRequire } from 'node:module';
import path from 'node:path';

import type ts from 'typescript';

const compilers = new Map<string, typeof ts>();
const declarations = new Map<string, ts.SourceFile>();

function compilerOf(installDir: string): typeof ts {
  let compiler = compilers.get(installDir);
  if (!compiler) {
    compiler = createRequire(path.join(installDir, 'package.json'))(
      'typescript',
    ) as typeof ts;
    compilers.set(installDir, compiler);
  }
  return compiler;
}

/**
 * The diagnostics `tsc --noEmit <options> <files>` prints for `files` (relative to
 * `dir`), using the TypeScript of `installDir` (the copy's install, from
 * ensureSampleInstall). Empty when it type-checks.
 */
export function typeCheck(
  dir: string,
  installDir: string,
  files: string[],
  options: Record<string, unknown>,
): string[] {
  const compiler = compilerOf(installDir);
  const converted = compiler.convertCompilerOptionsFromJson(
    { ...options, noEmit: true },
    dir,
  );
  if (converted.errors.length) {
    throw new Error(
      compiler.formatDiagnostics(converted.errors, formatHost(compiler, dir)),
    );
  }
  return check(
    compiler,
    dir,
    installDir,
    files.map((file) => path.resolve(dir, file)),
    converted.options,
  );
}

/** The same for `tsc --noEmit -p <project>` (a tsconfig.json relative to `dir`). */
export function typeCheckProject(
  dir: string,
  installDir: string,
  project: string,
): string[] {
  const compiler = compilerOf(installDir);
  const config = compiler.getParsedCommandLineOfConfigFile(
    path.resolve(dir, project),
    { noEmit: true },
    {
      ...compiler.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(
          compiler.formatDiagnostic(diagnostic, formatHost(compiler, dir)),
        );
      },
    },
  );
  if (!config) throw new Error(`Cannot read ${project} in ${dir}.`);
  const errors = config.errors.map((diagnostic) =>
    compiler.formatDiagnostic(diagnostic, formatHost(compiler, dir)),
  );
  return [
    ...errors,
    ...check(compiler, dir, installDir, config.fileNames, config.options),
  ];
}

function check(
  compiler: typeof ts,
  dir: string,
  installDir: string,
  rootNames: string[],
  options: ts.CompilerOptions,
): string[] {
  const host = compiler.createCompilerHost(options);
  // Packages resolve into the install itself (as a symlinked node_modules would), so
  // their files have one path for every copy and are parsed once. A package linked
  // from elsewhere in the copy (`file:vendor/...`) stays where it really is.
  const copyModules = path.join(dir, 'node_modules') + path.sep;
  const installModules = path.join(installDir, 'node_modules') + path.sep;
  const realpath = host.realpath?.bind(host) ?? ((file: string) => file);
  host.realpath = (file) => {
    const real = realpath(file);
    return real.startsWith(copyModules)
      ? installModules + real.slice(copyModules.length)
      : real;
  };
  const readSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, version, ...rest) => {
    if (!fileName.startsWith(installModules)) {
      return readSourceFile(fileName, version, ...rest);
    }
    const parse =
      typeof version === 'object'
        ? `${version.languageVersion}:${version.impliedNodeFormat}`
        : String(version);
    const key = `${fileName}\0${parse}`;
    let file = declarations.get(key);
    if (!file) {
      file = readSourceFile(fileName, version, ...rest);
      if (file) declarations.set(key, file);
    }
    return file;
  };
  const program = compiler.createProgram(rootNames, options, host);
  return compiler
    .getPreEmitDiagnostics(program)
    .map((diagnostic) =>
      compiler.formatDiagnostic(diagnostic, formatHost(compiler, dir)),
    );
}

function formatHost(
  compiler: typeof ts,
  dir: string,
): ts.FormatDiagnosticsHost {
  return {
    getCanonicalFileName: (fileName) => fileName,
    getCurrentDirectory: () => dir,
    getNewLine: () => compiler.sys.newLine,
  };
}
