/**
 * The file tools: reads stay inside the workspace, writes inside the group
 * folder, and no path from the model ever reaches a shell.
 */
import fs from 'fs';
import path from 'path';

/** Tool output longer than this is cut, so one `cat` cannot fill the context. */
export const TOOL_OUTPUT_CAP = 20_000;
const LIST_FILES_CAP = 1_000;

export interface ToolPlace {
  /** Reads stay inside the workspace (group, global, ...). */
  workspace: string;
  /** Writes and commands stay in the group folder. */
  groupDir: string;
}

/** `unseen`: characters already dropped before they reached `text`. */
export function capOutput(text: string, unseen = 0): string {
  const hidden = Math.max(0, text.length - TOOL_OUTPUT_CAP) + unseen;
  if (!hidden) return text;
  return `${text.slice(0, TOOL_OUTPUT_CAP)}\n[output truncated: ${hidden} more characters not shown]`;
}

/** realpath of the deepest existing ancestor, with the rest of the path appended. */
function realpathAllowingMissing(target: string): string {
  const missing: string[] = [];
  let current = target;
  for (;;) {
    try {
      return path.join(fs.realpathSync(current), ...missing);
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return target;
      missing.unshift(path.basename(current));
      current = parent;
    }
  }
}

/** Resolve a path from the model; symlinks pointing out of root are refused too. */
export function resolveInside(
  root: string,
  base: string,
  requested: string,
): string {
  const absolute = path.resolve(base, requested);
  const realRoot = realpathAllowingMissing(root);
  const real = realpathAllowingMissing(absolute);
  if (real !== realRoot && !real.startsWith(realRoot + path.sep)) {
    throw new Error(`${requested} is outside ${root}`);
  }
  return absolute;
}

export function readFileTool(place: ToolPlace, requested: string): string {
  const file = resolveInside(place.workspace, place.groupDir, requested);
  const stat = fs.statSync(file);
  if (stat.isDirectory())
    return `Error: ${requested} is a folder; use list_files`;
  const handle = fs.openSync(file, 'r');
  try {
    // A UTF-8 character takes at most 4 bytes: this is always enough for the cap.
    const buffer = Buffer.alloc(Math.min(stat.size, TOOL_OUTPUT_CAP * 4));
    const read = fs.readSync(handle, buffer, 0, buffer.length, 0);
    const bytes = buffer.subarray(0, read);
    if (bytes.subarray(0, 8192).includes(0)) {
      return `${requested} is a binary file (${stat.size} bytes); not shown`;
    }
    return capOutput(bytes.toString('utf-8'), stat.size - read);
  } finally {
    fs.closeSync(handle);
  }
}

export function writeFileTool(
  place: ToolPlace,
  requested: string,
  content: string,
): string {
  const file = resolveInside(place.groupDir, place.groupDir, requested);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return `Wrote ${Buffer.byteLength(content)} bytes to ${path.relative(place.groupDir, file)}`;
}

export function listFilesTool(
  place: ToolPlace,
  requested: string,
  recursive: boolean,
): string {
  const dir = resolveInside(place.workspace, place.groupDir, requested);
  const lines: string[] = [];
  let more = 0;
  const walk = (current: string, prefix: string) => {
    const entries = fs
      .readdirSync(current, { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      if (lines.length >= LIST_FILES_CAP) {
        more++;
        continue;
      }
      const name = prefix + entry.name;
      if (entry.isDirectory()) {
        lines.push(`${name}/`);
        if (recursive) walk(path.join(current, entry.name), `${name}/`);
      } else if (entry.isFile()) {
        lines.push(
          `${name} (${fs.statSync(path.join(current, entry.name)).size} bytes)`,
        );
      } else {
        lines.push(name);
      }
    }
  };
  walk(dir, '');
  if (more) lines.push(`[${more} more entries not shown]`);
  return lines.length ? lines.join('\n') : '(empty folder)';
}
