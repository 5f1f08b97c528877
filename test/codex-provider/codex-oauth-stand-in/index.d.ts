// The part of codex-oauth's API that the codex plugin relies on.
export declare class CodexAuthError extends Error {}

export interface CodexTokens {
  accessToken: string;
  accountId: string;
  expiresAt: number;
}

export interface CodexAuthStatus {
  loggedIn: boolean;
  accountIdMasked?: string;
  expiresAt?: number;
  expired?: boolean;
  tokenFile: string;
}

export declare class CodexAuth {
  constructor(options: { tokenFile: string });
  login(options?: { noBrowser?: boolean; deviceAuth?: boolean }): Promise<void>;
  getTokens(): Promise<CodexTokens>;
  status(): Promise<CodexAuthStatus>;
}
