/** setup/index.ts: register the codex-auth step, so `npm run setup -- --step codex-auth` signs in. */
import { Node } from '../../src/codemod/ts-morph.js';

import {
  parse,
  propertyKey,
  topLevelVariables,
  unwrap,
} from '../../src/codemod/ast.js';
import type { Analysis } from '../../src/codemod/define.js';
import { styled } from '../../src/codemod/format.js';
import {
  insertItems,
  objectList,
  removeItems,
} from '../../src/codemod/layout.js';
import {
  defineFormattedCodemod,
  formattedTransform,
  type ResolvedOptions,
} from '../../src/codemod/options.js';

const KEY = 'codex-auth';
const ENTRY = `'${KEY}': () => import('./codex-auth-step.js')`;

function analyze(
  source: string,
  _filePath: string,
  { format }: ResolvedOptions,
): Analysis {
  const file = parse(source);
  const declarations = topLevelVariables(file, 'STEPS');
  const steps =
    declarations.length === 1
      ? unwrap(declarations[0].getInitializer())
      : undefined;
  if (!Node.isObjectLiteralExpression(steps)) {
    return {
      parts: [],
      problems: [
        {
          anchor: 'STEPS',
          expected:
            "one top-level `const STEPS = { name: () => import('./step.js'), ... }` object",
        },
      ],
    };
  }
  const properties = steps.getProperties();
  const index = properties.findIndex((p) => propertyKey(p) === KEY);
  return {
    problems: [],
    parts: [
      {
        name: `STEPS['${KEY}']`,
        applied: index !== -1,
        add: () =>
          insertItems(
            source,
            objectList(steps),
            [{ index: properties.length, text: styled(ENTRY, format) }],
            format,
          ),
        remove: () => removeItems(source, objectList(steps), [index], format),
      },
    ],
  };
}

export const codemod = defineFormattedCodemod({
  id: 'add-codex-auth-setup-step',
  description: 'Register the codex-auth setup step (setup/index.ts)',
  files: 'setup/index.ts',
  analyze,
});

export const { apply, revert, isApplied, detect } = codemod;
export default formattedTransform(codemod);
