import { ChildProcess, spawn } from 'child_process';
import fs from 'fs';
import path from 'path';

import {
  AGENT_PROVIDER,
  CONTAINER_IMAGE,
  CREDENTIAL_PROXY_PORT,
  DATA_DIR,
  TIMEZONE,
} from './config.js';
import {
  CONTAINER_HOST_GATEWAY,
  CONTAINER_RUNTIME_BIN,
  hostGatewayArgs,
  mountArgs,
} from './container-runtime.js';
import { detectAuthMode } from './credential-proxy.js';
import {
  copyContainerProvider,
  providerContainerArgs,
  releaseProviderContainer,
} from './plugin-loader.js';

export interface ContainerInput {
  prompt: string;
  groupFolder: string;
  isMain: boolean;
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
  if (!fs.existsSync(groupAgentRunnerDir) && fs.existsSync(agentRunnerSrc)) {
    fs.cpSync(agentRunnerSrc, groupAgentRunnerDir, { recursive: true });
  }
  // Every run: the copy above is made once, but the provider can change.
  copyContainerProvider(groupAgentRunnerDir);
  mounts.push({
    hostPath: groupAgentRunnerDir,
    containerPath: '/app/src',
    readonly: false,
  });
  return mounts;
}

function buildContainerArgs(
  mounts: VolumeMount[],
  containerName: string,
): string[] {
  const args: string[] = ['run', '-i', '--rm', '--name', containerName];
  args.push('-e', `TZ=${TIMEZONE}`);

  // API traffic goes through the credential proxy on the host.
  args.push(
    '-e',
    `ANTHROPIC_BASE_URL=http://${CONTAINER_HOST_GATEWAY}:${CREDENTIAL_PROXY_PORT}`,
  );
  if (detectAuthMode() === 'api-key') {
    args.push('-e', 'ANTHROPIC_API_KEY=placeholder');
  }

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
  const containerArgs = buildContainerArgs(mounts, containerName);

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
      resolve(code);
    });
  });
}
