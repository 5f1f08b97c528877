import { spawn } from 'child_process';

import { CONTAINER_IMAGE } from './config.js';
import { CONTAINER_RUNTIME_BIN } from './container-runtime.js';
import { resolveGroupProvider } from './providers/index.js';

export interface ContainerInput {
  prompt: string;
}

function buildContainerArgs(containerName: string): string[] {
  const args = ['run', '-i', '--rm', '--name', containerName];
  args.push(...resolveGroupProvider('main').containerArgs());
  args.push(CONTAINER_IMAGE);
  return args;
}

export function wakeContainer(containerName: string): void {
  const child = spawn(CONTAINER_RUNTIME_BIN, buildContainerArgs(containerName));
  child.on('close', () => undefined);
}
