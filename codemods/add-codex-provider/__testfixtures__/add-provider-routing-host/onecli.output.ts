import { ChildProcess, spawn } from 'child_process';
import fs from 'fs';
import path from 'path';

import { OneCLI } from '@onecli-sh/sdk';

import {
  AGENT_PROVIDER,
  CONTAINER_IMAGE,
  DATA_DIR,
  ONECLI_URL,
  TIMEZONE,
} from './config.js';
import {
  CONTAINER_RUNTIME_BIN,
  hostGatewayArgs,
  mountArgs,
} from './container-runtime.js';
import {
  copyContainerProvider,
  providerContainerArgs,
  releaseProviderContainer,
} from './plugin-loader.js';

const onecli = new OneCLI({ url: ONECLI_URL });

export interface ContainerInput {
  prompt: string;
  groupFolder: string;
  isMain: boolean;
  assistantName?: string;
  provider?: string;
}

interface VolumeMount {
  hostPath: string;
  containerPath: string;
  readonly: boolean;
}

function buildVolumeMounts(folder: string): VolumeMount[] {
  const mounts: VolumeMount[] = [];
  const agentRunnerSrc = path.join(process.cwd(), 'container', 'agent-runner');
  const groupAgentRunnerDir = path.join(DATA_DIR, 'sessions', folder);
  if (fs.existsSync(agentRunnerSrc)) {
    const srcIndex = path.join(agentRunnerSrc, 'index.ts');
    const cachedIndex = path.join(groupAgentRunnerDir, 'index.ts');
    const needsCopy =
      !fs.existsSync(cachedIndex) ||
      fs.statSync(srcIndex).mtimeMs > fs.statSync(cachedIndex).mtimeMs;
    if (needsCopy) {
      fs.cpSync(agentRunnerSrc, groupAgentRunnerDir, { recursive: true });
    }
  }
  // Every run: the copy above may be skipped, but the provider can change.
  copyContainerProvider(groupAgentRunnerDir);
  mounts.push({
    hostPath: groupAgentRunnerDir,
    containerPath: '/app/src',
    readonly: false,
  });
  return mounts;
}

async function buildContainerArgs(
  mounts: VolumeMount[],
  containerName: string,
  agentIdentifier?: string,
): Promise<string[]> {
  const args: string[] = ['run', '-i', '--rm', '--name', containerName];
  args.push('-e', `TZ=${TIMEZONE}`);

  // The OneCLI gateway puts the credentials into the container's API traffic.
  await onecli.applyContainerConfig(args, {
    addHostMapping: false,
    agent: agentIdentifier,
  });

  // On Linux, host.docker.internal must be mapped to the host gateway.
  args.push(...hostGatewayArgs());
  // The active provider's settings for this run (none for Claude).
  args.push(...providerContainerArgs(containerName));

  for (const mount of mounts) {
    args.push(
      ...mountArgs(mount.hostPath, mount.containerPath, mount.readonly),
    );
  }
  args.push(CONTAINER_IMAGE);
  return args;
}

export async function runContainerAgent(
  folder: string,
  input: ContainerInput,
  onProcess: (proc: ChildProcess) => void,
): Promise<number | null> {
  const mounts = buildVolumeMounts(folder);
  const containerName = `nanoclaw-${folder}-${Date.now()}`;
  const agentIdentifier = input.isMain ? undefined : folder.toLowerCase();
  const containerArgs = await buildContainerArgs(
    mounts,
    containerName,
    agentIdentifier,
  );

  input.provider = AGENT_PROVIDER;
  return new Promise((resolve) => {
    const container = spawn(CONTAINER_RUNTIME_BIN, containerArgs, {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    onProcess(container);

    container.stdin.write(JSON.stringify(input));
    container.stdin.end();

    container.on('close', (code) => {
      // The run is over: revoke what the provider granted this container.
      releaseProviderContainer(containerName);
      if (code !== 0) {
        resolve(code);
        return;
      }
      resolve(0);
    });
  });
}
