import { getProvider } from './providers/index.js';

interface ContainerInput {
  prompt: string;
  provider: string;
}

function log(message: string): void {
  console.error(`[agent-runner] ${message}`);
}

async function main(): Promise<void> {
  const containerInput: ContainerInput = JSON.parse('{}');
  log(`Using ${containerInput.provider}`);
  await getProvider(containerInput.provider).run(containerInput);
}

void main();
