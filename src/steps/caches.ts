import fs from 'node:fs';
import path from 'node:path';

/** Per-group copies of the agent runner; containers run these, not container/agent-runner. */
export function agentRunnerCaches(root: string): string[] {
  const sessions = path.join(root, 'data', 'sessions');
  if (!fs.existsSync(sessions)) return [];
  return fs
    .readdirSync(sessions, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => path.join(sessions, entry.name, 'agent-runner-src'))
    .filter((dir) => fs.existsSync(dir));
}

/** Delete only the agent-runner-src folders, so the next run copies the new runner. */
export function clearAgentRunnerCaches(root: string): number {
  const caches = agentRunnerCaches(root);
  for (const dir of caches) fs.rmSync(dir, { recursive: true, force: true });
  return caches.length;
}
