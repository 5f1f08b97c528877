/**
 * The tools Codex may call, and running one call. Each call's result is text
 * for the model; a failure is reported to it as `Error: ...`, never thrown.
 */
import { BASH_DEFAULT_TIMEOUT_S, BASH_MAX_TIMEOUT_S, runBash } from './bash.js';
import {
  listFilesTool,
  readFileTool,
  writeFileTool,
  type ToolPlace,
} from './files.js';
import type { FunctionCallItem } from './items.js';
import { errorMessage } from './output.js';

export type { ToolPlace } from './files.js';

export const TOOLS = [
  {
    type: 'function',
    name: 'bash',
    description:
      'Run a bash command in the group working folder. Returns combined stdout and stderr and the exit code.',
    strict: false,
    parameters: {
      type: 'object',
      properties: {
        command: { type: 'string', description: 'The command line to run.' },
        timeout_seconds: {
          type: 'number',
          description: `Kill the command after this many seconds (default ${BASH_DEFAULT_TIMEOUT_S}, at most ${BASH_MAX_TIMEOUT_S}).`,
        },
      },
      required: ['command'],
      additionalProperties: false,
    },
  },
  {
    type: 'function',
    name: 'read_file',
    description:
      'Read a text file. Relative paths start at the group working folder.',
    strict: false,
    parameters: {
      type: 'object',
      properties: { path: { type: 'string' } },
      required: ['path'],
      additionalProperties: false,
    },
  },
  {
    type: 'function',
    name: 'write_file',
    description:
      'Create or replace a text file inside the group working folder, creating folders as needed.',
    strict: false,
    parameters: {
      type: 'object',
      properties: { path: { type: 'string' }, content: { type: 'string' } },
      required: ['path', 'content'],
      additionalProperties: false,
    },
  },
  {
    type: 'function',
    name: 'list_files',
    description:
      'List a folder (default: the group working folder). Folders end with /.',
    strict: false,
    parameters: {
      type: 'object',
      properties: {
        path: { type: 'string' },
        recursive: { type: 'boolean' },
      },
      additionalProperties: false,
    },
  },
];

function stringArg(args: Record<string, unknown>, name: string): string {
  const value = args[name];
  if (typeof value !== 'string')
    throw new Error(`argument "${name}" must be a string`);
  return value;
}

export async function runTool(
  call: FunctionCallItem,
  place: ToolPlace,
): Promise<string> {
  let args: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(call.arguments || '{}');
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new Error('expected a JSON object');
    }
    args = parsed as Record<string, unknown>;
  } catch (err) {
    return `Error: the arguments are not valid JSON (${errorMessage(err)})`;
  }
  try {
    switch (call.name) {
      case 'bash': {
        const requested = Number(args.timeout_seconds);
        const timeout =
          Number.isFinite(requested) && requested > 0
            ? Math.min(requested, BASH_MAX_TIMEOUT_S)
            : BASH_DEFAULT_TIMEOUT_S;
        return await runBash(
          stringArg(args, 'command'),
          timeout,
          place.groupDir,
        );
      }
      case 'read_file':
        return readFileTool(place, stringArg(args, 'path'));
      case 'write_file':
        return writeFileTool(
          place,
          stringArg(args, 'path'),
          stringArg(args, 'content'),
        );
      case 'list_files':
        return listFilesTool(
          place,
          typeof args.path === 'string' && args.path ? args.path : '.',
          args.recursive === true,
        );
      default:
        return `Error: there is no tool named ${call.name}; use ${TOOLS.map((t) => t.name).join(', ')}`;
    }
  } catch (err) {
    return `Error: ${errorMessage(err)}`;
  }
}
