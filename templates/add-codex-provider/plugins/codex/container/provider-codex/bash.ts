/**
 * The bash tool: one command in the group folder, bounded in time and output,
 * with no credentials in its environment.
 */
import { spawn } from 'child_process';
import { StringDecoder } from 'string_decoder';

import { TOOL_OUTPUT_CAP, capOutput } from './files.js';

export const BASH_DEFAULT_TIMEOUT_S = 120;
export const BASH_MAX_TIMEOUT_S = 600;

/** The environment for commands the model runs: no credentials. */
function toolEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(CODEX_|ANTHROPIC_|CLAUDE_|OPENAI_)/.test(key)) env[key] = value;
  }
  return env;
}

export function runBash(
  command: string,
  timeoutSeconds: number,
  cwd: string,
): Promise<string> {
  return new Promise((resolve) => {
    // detached: the command gets its own process group, so a timeout kills its children too.
    const child = spawn('bash', ['-c', command], {
      cwd,
      env: toolEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    let unseen = 0;
    let timedOut = false;
    const collect = (decoder: StringDecoder) => (chunk: Buffer) => {
      // Past the cap only the amount matters; memory stays bounded.
      if (output.length <= TOOL_OUTPUT_CAP) output += decoder.write(chunk);
      else unseen += chunk.length;
    };
    child.stdout.on('data', collect(new StringDecoder('utf8')));
    child.stderr.on('data', collect(new StringDecoder('utf8')));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutSeconds * 1000);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve(`Error: could not start bash: ${err.message}`);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const status = timedOut
        ? `[killed after the ${timeoutSeconds} s timeout]`
        : signal
          ? `[killed by ${signal}]`
          : `[exit code ${code}]`;
      resolve(`${capOutput(output.trimEnd(), unseen)}\n${status}`.trimStart());
    });
  });
}
