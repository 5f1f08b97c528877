/**
 * The add-codex-provider skill's own part of a run (see src/api/): its
 * command-line options, the setup after apply and remove (sign-in, model,
 * provider, .env, caches, restart), its doctor checks and status fields.
 */
import { defineSkillHooks } from '../../src/api/index.js';
import { doctor } from './doctor.js';
import { finishApply, finishRemove } from './finish.js';
import { status } from './status.js';

export default defineSkillHooks({
  options: {
    apply: {
      'skip-auth': { type: 'boolean', describe: 'Do not run the sign-in step' },
      auth: {
        type: 'boolean',
        describe: 'Run the sign-in step even without a terminal',
      },
      reauth: {
        type: 'boolean',
        describe: 'Sign in again even when tokens exist',
      },
      browser: {
        type: 'boolean',
        default: true,
        describe:
          'Open the sign-in page in a browser (--no-browser prints the URL)',
      },
      'device-auth': {
        type: 'boolean',
        describe: 'Sign in with a device code instead of a browser redirect',
      },
      model: {
        type: 'string',
        describe:
          'Codex model to pin in .env (checked against the models your account has; default: Codex picks)',
      },
      provider: {
        type: 'string',
        choices: ['codex', 'claude'],
        describe:
          'Default provider afterwards (asked in a terminal; otherwise .env keeps its value, Claude when unset)',
      },
    },
    remove: {
      'purge-tokens': {
        type: 'boolean',
        describe: 'Also delete the saved sign-in tokens',
      },
    },
  },
  examples: {
    apply: [
      [
        'add-codex-provider --target ~/nanoclaw --provider codex',
        'Install into a NanoClaw checkout, Codex as default',
      ],
    ],
    remove: [
      [
        'add-codex-provider --target ~/nanoclaw --purge-tokens',
        'Uninstall, also deleting the sign-in tokens',
      ],
    ],
  },
  outsideTheDiff: {
    apply:
      'then sign-in, the provider line in .env, cache clearing and a service restart',
    remove:
      'the provider line in .env restored, cache clearing and a service restart',
  },
  afterApply: finishApply,
  afterRemove: finishRemove,
  doctor,
  status,
});
