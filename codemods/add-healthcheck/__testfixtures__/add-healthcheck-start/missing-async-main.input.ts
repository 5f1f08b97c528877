import { loadState } from './state.js';

function main(): void {
  loadState();
}
