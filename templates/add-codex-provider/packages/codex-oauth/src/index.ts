export {
  CodexAuth,
  type CodexAuthOptions,
  type CodexAuthStatus,
  type CodexLoginOptions,
  type CodexLoginResult,
  type CodexTokens,
} from './codex-auth.js';
export { CodexAuthError, type CodexAuthErrorCode } from './errors.js';
export { maskAccountId } from './mask.js';
export {
  defaultTokenFile,
  LEGACY_TOKEN_FILE,
  migrateLegacyTokens,
  TOKEN_FILE_ENV,
  type MigrationOutcome,
} from './token-location.js';
