/**
 * Every NanoClaw release is recognised by its features, reported by
 * skill-status, and refused with the right pointer where the skill does not
 * apply: 2.x has its own provider system; an unknown release is named as such,
 * with the shapes the skill supports and the anchors that did not match.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';
import { createSampleCopy, type SampleCopy } from '../helpers/sample.js';

const SKILL = 'add-codex-provider';
const copies: SampleCopy[] = [];
afterAll(async () => {
  await Promise.all(copies.map((copy) => copy.cleanup()));
});

async function copyOf(variant: string): Promise<string> {
  const copy = await createSampleCopy(variant, { install: false });
  copies.push(copy);
  return copy.dir;
}

describe('skill-status names the release', () => {
  it.each([
    ['base', 'stdin-secrets'],
    ['credential-proxy', 'credential-proxy'],
    ['onecli', 'onecli'],
    ['v2', 'v2'],
    ['width-120', 'stdin-secrets'],
  ])('%s is %s', async (variant, shape) => {
    const target = await copyOf(variant);
    const run = await runCli('skill-status', ['--target', target, '--json']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).release.shape).toBe(shape);
  });
});

describe('refusals say what is going on', () => {
  it('NanoClaw 2.x: its own provider system and its /add-codex skill, nothing about anchors', async () => {
    const target = await copyOf('v2');
    const run = await runCli('apply-skill', [
      SKILL,
      '--target',
      target,
      '--dry-run',
      '--json',
    ]);
    expect(run.exitCode).toBe(1);
    const result = JSON.parse(run.stdout);
    expect(result.error.message).toContain('is NanoClaw 2.x');
    expect(result.error.hint).toContain('run its /add-codex skill');
    expect(JSON.stringify(result)).not.toMatch(/anchor/i);
  });

  it('an unknown release: the shape detected, the shapes supported, the anchors that did not match, and never "undo NanoClaw"', async () => {
    const target = await copyOf('base');
    // Neither secrets on stdin nor a proxy nor a gateway: a release we do not know.
    const runner = path.join(target, 'src', 'container-runner.ts');
    fs.writeFileSync(
      runner,
      fs
        .readFileSync(runner, 'utf8')
        .replace(/function readSecrets\(/, 'function loadVaultSecrets(')
        .replace(/readSecrets\(\)/g, 'loadVaultSecrets()'),
    );
    const run = await runCli('apply-skill', [
      SKILL,
      '--target',
      target,
      '--dry-run',
      '--json',
    ]);
    expect(run.exitCode).toBe(1);
    const { error } = JSON.parse(run.stdout);
    expect(error.hint).toContain('detected as an unrecognised NanoClaw');
    expect(error.hint).toContain('NanoClaw 1.x with secrets on stdin');
    expect(error.hint).toContain('Do not change NanoClaw to fit the skill');
    expect(error.hint).not.toMatch(/restore|put back/i);
    expect(error.details.join('\n')).toContain('readSecrets');
  });
});
