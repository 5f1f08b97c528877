/** Every codemod by id, in the order a skill applies them. */
import { codemod as addAgentProviderConfig } from './add-agent-provider-config.js';
import { codemod as addAgentProviderTestMock } from './add-agent-provider-test-mock.js';
import { codemod as addCodexAuthSetupStep } from './add-codex-auth-setup-step.js';
import { codemod as addPluginLoading } from './add-plugin-loading.js';
import { codemod as addPluginsBuild } from './add-plugins-build.js';
import { codemod as addProviderRoutingContainer } from './add-provider-routing-container.js';
import { codemod as addProviderRoutingHost } from './add-provider-routing-host.js';
import { SkillError } from '../src/errors.js';
import type { Codemod } from '../src/codemod/types.js';

export const codemods: Record<string, Codemod> = Object.fromEntries(
  [
    addAgentProviderConfig,
    addProviderRoutingHost,
    addPluginLoading,
    addProviderRoutingContainer,
    addCodexAuthSetupStep,
    addPluginsBuild,
    addAgentProviderTestMock,
  ].map((codemod) => [codemod.id, codemod]),
);

export function getCodemod(id: string): Codemod {
  const codemod = codemods[id];
  if (!codemod) {
    throw new SkillError(`Unknown codemod "${id}".`, {
      hint: `Known codemods: ${Object.keys(codemods).join(', ')}.`,
    });
  }
  return codemod;
}
