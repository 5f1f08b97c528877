/**
 * The credential-proxy and OneCLI releases keep every secret out of containers,
 * and so does the skill there: the Codex plugin runs a relay on the host, each
 * container gets only its own relay key, and the host adds the sign-in to what
 * the relay forwards. End to end on each sample variant: real apply (install,
 * build), the host in chat mode through the fake docker (host.docker.internal
 * resolved as Docker does), a strict fake backend and issuer on 127.0.0.1.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';
import {
  addToEnv,
  describeRun,
  filesUnder,
  hostEnv,
  startChat,
  writeTokenFile,
} from '../helpers/codex-host.js';
import {
  createFakeContainerRuntime,
  type FakeContainerRuntime,
} from '../helpers/fake-container-runtime.js';
import {
  startFakeIssuer,
  type FakeIssuer,
  type SeededTokens,
} from '../helpers/fake-issuer.js';
import {
  startFakeResponsesServer,
  textReply,
  toolCallReply,
  type FakeResponsesServer,
} from '../helpers/fake-responses-server.js';
import {
  createSampleCopy,
  sampleEnv,
  tokenFileFor,
  type SampleCopy,
} from '../helpers/sample.js';
import { freePort } from '../helpers/fake-browser.js';

const git = (dir: string, ...args: string[]) =>
  execa('git', args, { cwd: dir, env: sampleEnv(), extendEnv: false });

describe.each(['credential-proxy', 'onecli'])(
  'on the %s release the container never holds a token',
  (variant) => {
    let copy: SampleCopy;
    let codex: FakeResponsesServer;
    let issuer: FakeIssuer;
    let runtime: FakeContainerRuntime;
    let seeded: SeededTokens;
    let env: NodeJS.ProcessEnv;
    let relayPort: number;
    const target = () => copy.dir;

    beforeAll(async () => {
      [copy, codex, issuer] = await Promise.all([
        // A user's checkout is built and running before the skill comes.
        createSampleCopy(variant, { build: true, git: true, memoTsc: true }),
        startFakeResponsesServer(),
        startFakeIssuer(),
      ]);
      const tokenFile = tokenFileFor(target());
      const apply = await runCli(
        'apply-skill',
        [
          'add-codex-provider',
          '--target',
          target(),
          '--yes',
          '--skip-auth',
          '--no-restart',
          '--provider',
          'codex',
        ],
        { env: { CODEX_TOKEN_FILE: tokenFile } },
      );
      expect(apply.exitCode, apply.stderr).toBe(0);
      runtime = await createFakeContainerRuntime({
        image: {
          agentRunnerDir: path.join(target(), 'container', 'agent-runner'),
          nodeModulesDir: path.join(target(), 'node_modules'),
        },
      });
      addToEnv(target(), `CODEX_API_URL=${codex.url}`);
      seeded = issuer.seedTokens(3600);
      writeTokenFile(tokenFile, seeded);
      relayPort = await freePort();
      env = hostEnv(runtime, {
        CODEX_OAUTH_ISSUER: issuer.url,
        CODEX_TOKEN_FILE: tokenFile,
        CODEX_RELAY_PORT: String(relayPort),
        CREDENTIAL_PROXY_HOST: '127.0.0.1',
        CREDENTIAL_PROXY_PORT: String(await freePort()),
      });
    }, 300_000);

    afterAll(async () => {
      await Promise.all([
        copy?.cleanup(),
        codex?.close(),
        issuer?.close(),
        runtime?.cleanup(),
      ]);
    });

    it('answers through the relay, refuses strangers, and refreshes an expiring token on the host mid-session', async () => {
      codex.reply(
        toolCallReply([
          { name: 'bash', callId: 'call_env', arguments: { command: 'env' } },
        ]),
        textReply('First answer.', { phase: 'final_answer' }),
        textReply('Second answer.', { phase: 'final_answer' }),
      );
      const chat = startChat(target(), env);
      await chat.waitFor(/"msg":"Chat ready"/);
      chat.send('Hello through the relay');
      await chat.waitFor(/^Andy: First answer\.$/);

      // The container is still running: the relay is up, and takes no stranger.
      const relay = `http://127.0.0.1:${relayPort}`;
      const noKey = await fetch(`${relay}/responses`, { method: 'POST' });
      expect(noKey.status).toBe(401);
      const wrongKey = await fetch(`${relay}/responses`, {
        method: 'POST',
        headers: { authorization: 'Bearer not-a-relay-key' },
      });
      expect(wrongKey.status).toBe(401);
      expect((await fetch(`${relay}/other`)).status).toBe(404);

      // Time passes: the stored access token is about to expire mid-session.
      const expiring = issuer.seedTokens(60);
      writeTokenFile(tokenFileFor(target()), expiring);
      const refreshesBefore = issuer.tokenRequests('refresh_token').length;
      chat.send('And again');
      await chat.waitFor(/^Andy: Second answer\.$/);
      const run = await chat.end();
      expect(run.exitCode, describeRun(run)).toBe(0);

      // One container answered both; the backend saw the host's tokens only.
      expect(runtime.runs()).toHaveLength(1);
      const [first, afterTool, second] = codex.requests;
      for (const request of [first, afterTool]) {
        expect(request.rejected).toBeUndefined();
        expect(request.headers.authorization).toBe(
          `Bearer ${seeded.accessToken}`,
        );
        expect(request.headers['chatgpt-account-id']).toBe(seeded.accountId);
      }
      expect(issuer.tokenRequests('refresh_token').length).toBe(
        refreshesBefore + 1,
      );
      const refreshed = JSON.parse(
        fs.readFileSync(tokenFileFor(target()), 'utf8'),
      );
      expect(refreshed.accessToken).not.toBe(expiring.accessToken);
      expect(second.headers.authorization).toBe(
        `Bearer ${refreshed.accessToken}`,
      );

      // The container got a relay address and key, never a token.
      const container = runtime.runs()[0];
      expect(container.env.CODEX_RELAY_URL).toBe(
        `http://host.docker.internal:${relayPort}`,
      );
      expect(container.env.CODEX_RELAY_KEY).toMatch(/^[\w-]{20,}$/);
      const secrets = [
        seeded.accessToken,
        seeded.refreshToken,
        expiring.accessToken,
        expiring.refreshToken,
        refreshed.accessToken,
        refreshed.refreshToken,
      ];
      const envText = JSON.stringify(container.env);
      for (const secret of secrets) expect(envText).not.toContain(secret);
      // Nothing the container could read holds one either.
      for (const mount of container.mounts) {
        for (const file of filesUnder(mount.hostPath)) {
          if (file.includes(`${path.sep}node_modules${path.sep}`)) continue;
          const text = fs.readFileSync(file, 'latin1');
          for (const secret of secrets) {
            expect(text.includes(secret), `${file} holds a token`).toBe(false);
          }
        }
      }
      // The tool ran without the relay key in its environment.
      const toolOutput = afterTool.body.input.find(
        (item: any) => item.type === 'function_call_output',
      ).output as string;
      expect(toolOutput).not.toContain('CODEX_RELAY_KEY');
      expect(toolOutput).not.toContain(container.env.CODEX_RELAY_KEY);
    });

    it('remove leaves git status clean', async () => {
      const remove = await runCli(
        'remove-skill',
        ['add-codex-provider', '--target', target(), '--yes', '--no-restart'],
        { env: { CODEX_TOKEN_FILE: tokenFileFor(target()) } },
      );
      expect(remove.exitCode, remove.stderr).toBe(0);
      const { stdout } = await git(
        target(),
        'status',
        '--porcelain',
        '--untracked-files=all',
      );
      expect(stdout).toBe('');
    });
  },
);
