/** Every codemod by id, in the order a skill applies them. */
import { codemod as addAgentProviderConfig } from './add-agent-provider-config.js';
import { codemod as addAgentProviderTestMock } from './add-agent-provider-test-mock.js';
import { codemod as addCodexAuthSetupStep } from './add-codex-auth-setup-step.js';
import { codemod as addPluginLoading } from './add-plugin-loading.js';
import { codemod as addPluginsBuild } from './add-plugins-build.js';
import { codemod as addProviderRoutingContainer } from './add-provider-routing-container.js';
import { codemod as addProviderRoutingHost } from './add-provider-routing-host.js';
import { SkillError } from '../src/errors.js';
import type { FormattedCodemod } from '../src/codemod/options.js';

/**
 * Each takes, besides the source and its path, the options of the target
 * (readCodemodOptions in src/codemod/options.ts: its format settings, read
 * once per run); without them a codemod formats as NanoClaw does.
 */
export const codemods: Record<string, FormattedCodemod> = Object.fromEntries(
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

export function getCodemod(id: string): FormattedCodemod {
  const codemod = codemods[id];
  if (!codemod) {
    throw new SkillError(`Unknown codemod "${id}".`, {
      hint: `Known codemods: ${Object.keys(codemods).join(', ')}.`,
    });
  }
  return codemod;
}
