import { ensureDirectories } from './state.js';

async function main(): Promise<void> {
  ensureDirectories();
}
