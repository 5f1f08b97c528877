export type CodexAuthErrorCode =
  | 'not_logged_in'
  | 'login_required'
  | 'state_mismatch'
  | 'access_denied'
  | 'port_busy'
  | 'timeout'
  | 'cancelled'
  | 'token_endpoint'
  | 'device_auth'
  | 'malformed_token'
  | 'no_account_id'
  | 'token_file'
  | 'locked'
  | 'network'
  | 'config';

/** Every failure this package reports; `code` tells callers what kind it is. */
export class CodexAuthError extends Error {
  readonly code: CodexAuthErrorCode;

  constructor(code: CodexAuthErrorCode, message: string) {
    super(message);
    this.name = 'CodexAuthError';
    this.code = code;
  }
}
