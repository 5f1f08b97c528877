/**
 * Import a skill's own module (hooks, codemods) by file. Compiled JavaScript
 * imports as it is. A TypeScript file imports natively where the runtime
 * reads TypeScript (the tests), else through tsx when it is installed: that
 * is how a skill outside the tool's build (NANOCLAW_SKILLS_PATH) runs uncompiled.
 */
import { pathToFileURL } from 'node:url';

import { errorMessage, SkillError } from '../core/errors.js';

function needsTranspiling(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code;
  return (
    code === 'ERR_UNKNOWN_FILE_EXTENSION' ||
    code === 'ERR_MODULE_NOT_FOUND' ||
    /Unknown file extension/.test(errorMessage(err))
  );
}

async function importThroughTsx(file: string): Promise<unknown> {
  let tsImport: (specifier: string, parent: string) => Promise<unknown>;
  try {
    ({ tsImport } = (await import('tsx/esm/api')) as {
      tsImport: typeof tsImport;
    });
  } catch {
    throw new SkillError(
      `${file} is TypeScript, and tsx is not installed to run it.`,
      {
        file,
        hint: 'Compile the skill (npm run build) or install tsx beside the tool.',
      },
    );
  }
  const namespace = (await tsImport(
    pathToFileURL(file).href,
    import.meta.url,
  )) as { default?: { __esModule?: boolean } };
  // Outside a "type": "module" package tsx compiles to CommonJS: the module's
  // own exports are then what `default` holds.
  return namespace.default?.__esModule ? namespace.default : namespace;
}

/** The module's namespace; a failure to load names the file. */
export async function importModule(file: string): Promise<unknown> {
  try {
    try {
      return await import(pathToFileURL(file).href);
    } catch (err) {
      if (!file.endsWith('.ts') || !needsTranspiling(err)) throw err;
      return await importThroughTsx(file);
    }
  } catch (err) {
    if (err instanceof SkillError) throw err;
    throw new SkillError(`${file} failed to load: ${errorMessage(err)}`, {
      file,
      hint: 'Fix the error in that module (or its imports), then run the command again.',
    });
  }
}
