// Test stand-in for codex-oauth, driven by the token file's content:
//   { accessToken, accountId, expiresAt, refreshedAccessToken?, refreshError? }
// An expired token is "refreshed" to refreshedAccessToken, or fails with refreshError.
import fs from 'fs';

export class CodexAuthError extends Error {
  constructor(message) {
    super(message);
    this.name = 'CodexAuthError';
  }
}

export class CodexAuth {
  constructor({ tokenFile }) {
    this.tokenFile = tokenFile;
  }

  read() {
    try {
      return JSON.parse(fs.readFileSync(this.tokenFile, 'utf-8'));
    } catch {
      return undefined;
    }
  }

  async login(options = {}) {
    fs.writeFileSync(
      this.tokenFile,
      JSON.stringify({
        accessToken: 'fresh-login',
        accountId: 'acct-login',
        expiresAt: Date.now() + 3600_000,
        loginOptions: options,
      }),
    );
  }

  async getTokens() {
    const tokens = this.read();
    if (!tokens)
      throw new CodexAuthError(
        `Not signed in: ${this.tokenFile} does not exist`,
      );
    if (tokens.expiresAt <= Date.now()) {
      if (tokens.refreshError) throw new CodexAuthError(tokens.refreshError);
      tokens.accessToken = tokens.refreshedAccessToken;
      tokens.expiresAt = Date.now() + 3600_000;
      fs.writeFileSync(this.tokenFile, JSON.stringify(tokens));
    }
    return {
      accessToken: tokens.accessToken,
      accountId: tokens.accountId,
      expiresAt: tokens.expiresAt,
    };
  }

  async status() {
    const tokens = this.read();
    if (!tokens) return { loggedIn: false, tokenFile: this.tokenFile };
    return {
      loggedIn: true,
      accountIdMasked: `${tokens.accountId.slice(0, 4)}…`,
      expiresAt: tokens.expiresAt,
      expired: tokens.expiresAt <= Date.now(),
      tokenFile: this.tokenFile,
    };
  }
}
