/** Summaries of a unified diff, for pinning a dry-run patch in a snapshot. */
import { createHash } from 'node:crypto';

/** `path +added -removed` per file of a unified diff, in its order. */
export function diffstat(patch: string): string[] {
  const files: string[] = [];
  let added = 0;
  let removed = 0;
  let current: string | undefined;
  const flush = () => {
    if (current) files.push(`${current} +${added} -${removed}`);
  };
  for (const line of patch.split('\n')) {
    const header = /^diff --git a\/(.+) b\//.exec(line);
    if (header) {
      flush();
      current = header[1];
      added = 0;
      removed = 0;
    } else if (line.startsWith('+') && !line.startsWith('+++ ')) {
      added++;
    } else if (line.startsWith('-') && !line.startsWith('--- ')) {
      removed++;
    }
  }
  flush();
  return files;
}

/** What a snapshot pins of a patch: its exact bytes (as a hash) and its shape. */
export function pinned(patch: string): { sha256: string; files: string[] } {
  const sha256 = createHash('sha256').update(patch).digest('hex');
  return { sha256, files: diffstat(patch) };
}
