/**
 * Test files under src/: a test that mocks ./config.js must give the mock an
 * AGENT_PROVIDER too, since vitest throws when code reads an export a mock lacks.
 */
import path from 'node:path';
import {
  Node,
  SyntaxKind,
  type CallExpression,
} from '../../src/codemod/ts-morph.js';

import {
  parse,
  propertyKey,
  stringValue,
  unwrap,
} from '../../src/codemod/ast.js';
import type { Analysis, Part } from '../../src/codemod/define.js';
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

const KEY = 'AGENT_PROVIDER';
const ENTRY = `${KEY}: 'claude'`;

/** A relative specifier naming src/config(.js|.ts), seen from the test file. */
function isConfigModule(specifier: string, filePath: string): boolean {
  if (!specifier.startsWith('.')) return false;
  const dir = path.posix.dirname(filePath.split(path.sep).join('/'));
  const resolved = path.posix.join(dir, specifier).replace(/\.(js|ts)$/, '');
  return resolved === 'src/config' || resolved.endsWith('/src/config');
}

/** The object literal a `vi.mock(module, factory)` factory returns, if that is its shape. */
function factoryObject(call: CallExpression) {
  const factory = call.getArguments()[1];
  if (!Node.isArrowFunction(factory) && !Node.isFunctionExpression(factory))
    return undefined;
  const body = factory.getBody();
  const returned = Node.isBlock(body)
    ? body
        .getStatements()
        .at(-1)
        ?.asKind(SyntaxKind.ReturnStatement)
        ?.getExpression()
    : body;
  const object = unwrap(returned);
  return Node.isObjectLiteralExpression(object) ? object : undefined;
}

function analyze(
  source: string,
  filePath: string,
  { format }: ResolvedOptions,
): Analysis {
  const file = parse(source);
  const mocks = file
    .getDescendantsOfKind(SyntaxKind.CallExpression)
    .filter((call) => {
      const module = stringValue(call.getArguments()[0]);
      return (
        call.getExpression().getText() === 'vi.mock' &&
        module !== undefined &&
        isConfigModule(module, filePath) &&
        // Without a factory vitest automocks the real module, AGENT_PROVIDER included.
        call.getArguments().length > 1
      );
    });
  if (mocks.length === 0)
    return { parts: [], problems: [], notApplicable: true };

  const parts: Part[] = [];
  const problems = [];
  for (const [n, call] of mocks.entries()) {
    const object = factoryObject(call);
    if (!object) {
      problems.push({
        anchor: `vi.mock('${stringValue(call.getArguments()[0])}', ...) at line ${call.getStartLineNumber()}`,
        expected:
          'a factory that returns an object literal, such as `() => ({ ... })`',
      });
      continue;
    }
    const properties = object.getProperties();
    const index = properties.findIndex((p) => propertyKey(p) === KEY);
    parts.push({
      name: `${KEY} in vi.mock #${n + 1} (line ${call.getStartLineNumber()})`,
      applied: index !== -1,
      add: () =>
        insertItems(
          source,
          objectList(object),
          [{ index: properties.length, text: styled(ENTRY, format) }],
          format,
        ),
      remove: () => removeItems(source, objectList(object), [index], format),
    });
  }
  return { parts, problems };
}

export const codemod = defineFormattedCodemod({
  id: 'add-agent-provider-test-mock',
  description: "Add AGENT_PROVIDER to the tests' mocks of ./config.js",
  files: 'src/**/*.test.ts',
  analyze,
});

export const { apply, revert, isApplied, detect } = codemod;
export default formattedTransform(codemod);
