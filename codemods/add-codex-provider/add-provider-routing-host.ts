/**
 * src/container-runner.ts: hand the active provider to the container. The
 * container input gets a `provider`, and the active plugin's container module
 * is copied next to the agent runner on every run. The rest depends on how the
 * release keeps secrets, which this file shows:
 *
 * - secrets on stdin (readSecrets()): readSecrets() becomes async so that it
 *   can add the plugin's secrets (read before the spawn: the Promise executor
 *   that writes stdin cannot await);
 * - no secrets in containers (credential proxy, OneCLI): the plugin adds its
 *   docker arguments to each run (providerContainerArgs: the Codex relay's
 *   address and a key for that run) and revokes them when the container has
 *   exited (releaseProviderContainer).
 *
 * A NanoClaw 2.x file is refused as a whole.
 */
import { SyntaxKind, type SourceFile } from '../../src/codemod/ts-morph.js';

import { onlyFunction, parse } from '../../src/codemod/ast.js';
import {
  containerArgsPart,
  releaseOnClosePart,
} from './lib/container-relay.js';
import type { Analysis, Part } from '../../src/codemod/define.js';
import {
  sameCode,
  styled,
  type FormatOptions,
} from '../../src/codemod/format.js';
import {
  combine,
  interfaceMemberPart,
  namedImportPart,
  type PartResult,
} from '../../src/codemod/formatted-parts.js';
import {
  defineFormattedCodemod,
  formattedTransform,
  type ResolvedOptions,
} from '../../src/codemod/options.js';
import {
  nanoclaw2Problem,
  usesStdinSecrets,
} from '../../src/codemod/release-marks.js';
import { readSecretsCallersPart, readSecretsPart } from './lib/read-secrets.js';
import { runContainerAgentPart } from './lib/run-container-agent.js';
import {
  indentAt,
  insertLinesAfter,
  previousLine,
  removeCommented,
} from '../../src/codemod/text.js';

const COPY_COMMENT =
  '// Every run: the copy above is made once, but the provider can change.';
/** For a runner copy that is refreshed when stale (OneCLI releases). */
const REFRESH_COMMENT =
  '// Every run: the copy above may be skipped, but the provider can change.';
const COPY_CALL = 'copyContainerProvider(groupAgentRunnerDir);';

/**
 * `copyContainerProvider(groupAgentRunnerDir)` after the block that copies the
 * agent runner: after the outermost such block, so that a copy nested in a
 * staleness check (`if (needsCopy) { ... }`) does not keep it from every run.
 */
function copyProviderPart(
  file: SourceFile,
  source: string,
  format: FormatOptions,
): PartResult {
  const fn = onlyFunction(file, 'buildVolumeMounts');
  const body = fn?.getBody();
  const calls = (
    body?.getDescendantsOfKind(SyntaxKind.ExpressionStatement) ?? []
  ).filter((s) => sameCode(s.getText(), COPY_CALL));
  const copyBlocks = (
    body?.getDescendantsOfKind(SyntaxKind.IfStatement) ?? []
  ).filter((s) =>
    s
      .getThenStatement()
      .getDescendantsOfKind(SyntaxKind.CallExpression)
      .some(
        (call) =>
          call.getExpression().getText().endsWith('cpSync') &&
          call
            .getArguments()
            .some((a) => a.getText() === 'groupAgentRunnerDir'),
      ),
  );
  const outermost = copyBlocks.filter(
    (block) =>
      !copyBlocks.some(
        (other) =>
          other !== block &&
          other.getStart() <= block.getStart() &&
          block.getEnd() <= other.getEnd(),
      ),
  );
  if (calls.length === 0 && outermost.length !== 1) {
    return {
      problems: [
        {
          anchor: 'buildVolumeMounts()',
          expected:
            'one `if (...) { fs.cpSync(agentRunnerSrc, groupAgentRunnerDir, ...); }` block in function buildVolumeMounts()',
        },
      ],
    };
  }
  const part: Part = {
    name: COPY_CALL,
    applied: calls.length > 0,
    add() {
      const block = outermost[0];
      const indent = indentAt(source, block.getStart());
      const comment = copyBlocks.length > 1 ? REFRESH_COMMENT : COPY_COMMENT;
      return [
        insertLinesAfter(
          source,
          block.getEnd(),
          [comment, styled(COPY_CALL, format)],
          indent,
        ),
      ];
    },
    remove: () =>
      calls.map((call) => {
        const above = previousLine(source, call.getStart())?.trim();
        const comment =
          above === REFRESH_COMMENT ? REFRESH_COMMENT : COPY_COMMENT;
        return removeCommented(source, call.getStart(), call.getEnd(), comment);
      }),
  };
  return { part, problems: [] };
}

/** readSecretsPart, with the trailing comma of the merged object as the target writes it. */
function formattedReadSecretsPart(
  file: SourceFile,
  source: string,
  format: FormatOptions,
): PartResult {
  const result = readSecretsPart(file, source);
  const part = result.part;
  if (!part || format.trailingComma !== 'none') return result;
  return {
    ...result,
    part: {
      ...part,
      add: () =>
        part.add().map((edit) => ({
          ...edit,
          text: edit.text.replace(/,(\r?\n[ \t]*\})$/, '$1'),
        })),
    },
  };
}

function analyze(
  source: string,
  _filePath: string,
  { format }: ResolvedOptions,
): Analysis {
  const file = parse(source);
  const v2 = nanoclaw2Problem(file, 'its /add-codex skill');
  if (v2) return { parts: [], problems: [v2] };
  const stdin = usesStdinSecrets(file);
  return combine([
    namedImportPart(
      file,
      source,
      { module: './config.js', names: ['AGENT_PROVIDER'], create: false },
      format,
    ),
    namedImportPart(
      file,
      source,
      {
        module: './plugin-loader.js',
        names: stdin
          ? ['copyContainerProvider', 'getActivePlugin']
          : [
              'copyContainerProvider',
              'providerContainerArgs',
              'releaseProviderContainer',
            ],
        create: true,
      },
      format,
    ),
    interfaceMemberPart(
      file,
      source,
      {
        interfaceName: 'ContainerInput',
        member: 'provider',
        text: 'provider?: string;',
        afterMember: 'secrets',
      },
      format,
    ),
    copyProviderPart(file, source, format),
    ...(stdin
      ? [
          formattedReadSecretsPart(file, source, format),
          readSecretsCallersPart(file, source),
        ]
      : [
          containerArgsPart(file, source, format),
          releaseOnClosePart(file, source, format),
        ]),
    runContainerAgentPart(file, source, format, stdin),
  ]);
}

export const codemod = defineFormattedCodemod({
  id: 'add-provider-routing-host',
  description:
    'Pass the selected provider, and its plugin secrets or container settings, to the agent container (src/container-runner.ts)',
  files: 'src/container-runner.ts',
  analyze,
});

export const { apply, revert, isApplied, detect } = codemod;
export default formattedTransform(codemod);
