import { readEnvFile } from './env.js';

const envConfig = readEnvFile(['ASSISTANT_NAME', 'AGENT_PROVIDER']);

export const ASSISTANT_NAME = process.env.ASSISTANT_NAME || envConfig.ASSISTANT_NAME || 'Andy';

// Which LLM runs the agents: 'claude' (built in) or a plugin in plugins/<name>/.
export type AgentProvider = 'claude' | 'codex';
export const AGENT_PROVIDER: AgentProvider = (process.env.AGENT_PROVIDER || envConfig.AGENT_PROVIDER || 'claude') as AgentProvider;
