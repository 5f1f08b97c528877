/**
 * What one file tells of the NanoClaw release it belongs to, so that each
 * codemod decides from its own file how to edit it (or that it must not):
 * src/release-shape.ts decides for the whole checkout, from several files.
 */
import { Node, type SourceFile } from './ts-morph.js';

import { callsTo, topLevelFunctions } from './ast.js';
import type { AnchorProblem } from './types.js';

/**
 * NanoClaw 2.x: the file imports the provider registry (src/providers/ on the
 * host, container/agent-runner/src/providers/ in the container). 2.x has its
 * own provider system, so a 1.x skill must refuse the file, never edit part of it.
 * `instead`: what a 2.x user should use, as the skill knows it.
 */
export function nanoclaw2Problem(
  file: SourceFile,
  instead?: string,
): AnchorProblem | undefined {
  const registry = file
    .getImportDeclarations()
    .map((d) => d.getModuleSpecifierValue())
    .find((module) => /^\.\.?\/providers(\/|\.js$|$)/.test(module));
  if (registry === undefined) return undefined;
  return {
    anchor: `import ... from '${registry}'`,
    expected: `a NanoClaw 1.x file; this one uses the provider registry of NanoClaw 2.x, which has its own provider system${instead ? ` (${instead})` : ''}, so this skill leaves it alone`,
  };
}

/**
 * The release passes secrets to the container on stdin: container-runner.ts
 * has readSecrets() (or calls it), or ContainerInput has a `secrets` member.
 * The later releases (credential proxy, OneCLI) have none of these.
 */
export function usesStdinSecrets(file: SourceFile): boolean {
  if (topLevelFunctions(file, 'readSecrets').length > 0) return true;
  if (callsTo(file, 'readSecrets').length > 0) return true;
  return file
    .getInterfaces()
    .filter((i) => i.getName() === 'ContainerInput')
    .some((i) =>
      i
        .getMembers()
        .some((m) => Node.isPropertySignature(m) && m.getName() === 'secrets'),
    );
}
