/**
 * package.json: build the plugins with their own tsconfig after the host.
 * NanoClaw's tsconfig has rootDir ./src, so plugins/ cannot join its include
 * (tsc fails with TS6059); tsconfig.plugins.json compiles them on their own.
 */
import {
  findNodeAtLocation,
  modify,
  parseTree,
  type ParseError,
} from 'jsonc-parser';

import type { Analysis } from '../../src/codemod/define.js';
import {
  defineFormattedCodemod,
  formattedTransform,
} from '../../src/codemod/options.js';
import { indentUnit, lineEnding } from '../../src/codemod/text.js';

const COMMAND = 'tsc -p tsconfig.plugins.json';
const SUFFIX = ` && ${COMMAND}`;

function analyze(source: string): Analysis {
  const errors: ParseError[] = [];
  const tree = parseTree(source, errors);
  const build = tree && findNodeAtLocation(tree, ['scripts', 'build']);
  if (errors.length > 0 || !build || build.type !== 'string') {
    return {
      parts: [],
      problems: [
        {
          anchor: 'scripts.build',
          expected: 'valid JSON with a "build" script, such as "build": "tsc"',
        },
      ],
    };
  }
  const script = build.value as string;
  const unit = indentUnit(source);
  const setBuild = (value: string) =>
    modify(source, ['scripts', 'build'], value, {
      formattingOptions: {
        insertSpaces: unit !== '\t',
        tabSize: unit === '\t' ? 1 : unit.length,
        eol: lineEnding(source),
      },
    }).map((edit) => ({
      start: edit.offset,
      end: edit.offset + edit.length,
      text: edit.content,
    }));

  return {
    problems: [],
    parts: [
      {
        name: `"build": "... && ${COMMAND}"`,
        applied: script.includes(COMMAND),
        add: () => setBuild(script + SUFFIX),
        // Take back exactly what apply appended; a command moved by hand loses its own " && ".
        remove: () =>
          setBuild(
            script.includes(SUFFIX)
              ? script.replace(SUFFIX, '')
              : script.replace(`${COMMAND} && `, '').replace(COMMAND, ''),
          ),
      },
    ],
  };
}

export const codemod = defineFormattedCodemod({
  id: 'add-plugins-build',
  description:
    'Build the provider plugins as part of npm run build (package.json)',
  files: 'package.json',
  analyze,
});

export const { apply, revert, isApplied, detect } = codemod;
export default formattedTransform(codemod);
