/**
 * Proof that every sample variant is a healthy NanoClaw checkout before any skill
 * touches it, that the copies the harness hands out are fast yet isolated, and
 * that the base sample behaves as real NanoClaw where the Codex provider depends
 * on it: the main group's mounts, and sessions that take follow-ups over IPC.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { execa } from 'execa';
import fs from 'fs-extra';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  canBindMount,
  createFakeContainerRuntime,
  mountSpecs,
  type ContainerRun,
  type FakeContainerRuntime,
  type Isolation,
} from './helpers/fake-container-runtime.js';
import {
  BASE_SAMPLE_DIR,
  createSampleCopy,
  diffSnapshots,
  ensureSampleInstall,
  listVariants,
  materialiseSample,
  sampleEnv,
  treeSnapshot,
  VARIANTS_DIR,
  type SampleCopy,
} from './helpers/sample.js';
import { unformattedFiles } from './helpers/format-check.js';
import { typeCheck } from './helpers/type-check.js';

function run(dir: string, command: string, args: string[]) {
  return execa(command, args, { cwd: dir, env: sampleEnv(), extendEnv: false });
}

const sha256 = (data: Buffer | string) =>
  createHash('sha256').update(data).digest('hex');

/**
 * Every entry of the install cache with its inode, size and mtime: an in-place write
 * through a hard link, an added or a removed file all change it.
 */
async function cacheFingerprint(cacheDir: string): Promise<string> {
  const lines: string[] = [];
  async function walk(dir: string): Promise<void> {
    for (const entry of await fsp.readdir(dir, { withFileTypes: true })) {
      const abs = path.join(dir, entry.name);
      const stat = await fsp.lstat(abs);
      lines.push(
        `${path.relative(cacheDir, abs)} ${stat.ino} ${stat.size} ${stat.mtimeMs}`,
      );
      if (entry.isDirectory()) await walk(abs);
    }
  }
  await walk(cacheDir);
  return sha256(lines.sort().join('\n'));
}

function readVariantSpec(variant: string): {
  description?: string;
  crlf?: string[];
  delete?: string[];
} {
  const file = path.join(VARIANTS_DIR, variant, 'variant.json');
  return variant !== 'base' && fs.existsSync(file) ? fs.readJsonSync(file) : {};
}

let cacheDir: string;
let fingerprintBefore: string;

beforeAll(async () => {
  cacheDir = await ensureSampleInstall();
  fingerprintBefore = await cacheFingerprint(cacheDir);
});

describe('listVariants', () => {
  it('lists the base first, then every overlay folder', () => {
    expect(listVariants()).toEqual([
      'base',
      'credential-proxy',
      'customised',
      'env-multiline',
      'no-rootdir',
      'onecli',
      'secrets-four',
      'v2',
      'width-120',
    ]);
  });

  it('gives every overlay a one-line description in its variant.json', () => {
    for (const variant of listVariants().filter((name) => name !== 'base')) {
      const { description } = readVariantSpec(variant);
      expect(description, variant).toMatch(/^[^\n]+$/);
    }
  });
});

// First in the file, two at a time, each on a copy of its own: every variant's
// real build, recorded for the files that replay builds (test/helpers/
// tsc-memo.cjs), which find more of them the sooner they are there.
describe.concurrent('npm run build', () => {
  it.for(listVariants())(
    'builds the %s sample',
    async (variant, { expect }) => {
      const copy = await createSampleCopy(variant, { memoTsc: 'record' });
      try {
        await run(copy.dir, 'npm', ['run', 'build']);
        expect(fs.existsSync(path.join(copy.dir, 'dist', 'index.js'))).toBe(
          true,
        );
      } finally {
        await copy.cleanup();
      }
    },
  );
});

describe("the in-process check for a sample's prettier --check", () => {
  it('lists a file its prettier would rewrite, and skips what .prettierignore names', async () => {
    const copy = await createSampleCopy('base');
    try {
      const ugly = 'export const quoted = "double";\n';
      await fsp.writeFile(path.join(copy.dir, 'src', 'ugly.ts'), ugly);
      await fsp.writeFile(path.join(copy.dir, 'src', 'skipped.ts'), ugly);
      await fsp.writeFile(
        path.join(copy.dir, '.prettierignore'),
        'src/skipped.ts\n',
      );
      expect(
        await unformattedFiles(
          copy.dir,
          await ensureSampleInstall('base'),
          'src/**/*.ts',
        ),
      ).toEqual(['src/ugly.ts']);
    } finally {
      await copy.cleanup();
    }
  });
});

describe.each(listVariants())('variant %s', (variant) => {
  let copy: SampleCopy;

  beforeAll(async () => {
    copy = await createSampleCopy(variant);
  });
  afterAll(() => copy?.cleanup());

  it('materialises the base with the overlay on top, and nothing generated', async () => {
    const spec = readVariantSpec(variant);
    const crlf = new Set(spec.crlf ?? []);
    const overlayDir = path.join(VARIANTS_DIR, variant);
    const overlay =
      variant === 'base'
        ? {}
        : await treeSnapshot(overlayDir, { ignore: ['variant.json'] });
    const expected = {
      ...(await treeSnapshot(BASE_SAMPLE_DIR)),
      ...overlay,
    };
    // Base files the variant does not have, with everything below them.
    for (const rel of spec.delete ?? []) {
      for (const key of Object.keys(expected)) {
        if (key === rel || key.startsWith(`${rel}/`)) delete expected[key];
      }
    }
    for (const rel of crlf) {
      const stored = fs.existsSync(path.join(overlayDir, rel))
        ? path.join(overlayDir, rel)
        : path.join(BASE_SAMPLE_DIR, rel);
      const lf = await fs.readFile(stored, 'utf8');
      expect(lf, `${rel} is stored with LF endings`).not.toContain('\r');
      const text = await fs.readFile(path.join(copy.dir, rel), 'utf8');
      expect(text, `${rel} should be CRLF only`).not.toMatch(/[^\r]\n/);
      expected[rel] = sha256(lf.replace(/\n/g, '\r\n'));
    }

    expect(await treeSnapshot(copy.dir)).toEqual(expected);
    expect(fs.existsSync(path.join(copy.dir, 'variant.json'))).toBe(false);
    expect(fs.existsSync(path.join(copy.dir, 'dist'))).toBe(false);
  });

  it('passes its own vitest suite', async () => {
    // The copy's own binaries, as `npx` would pick them, without npm's start-up.
    const { stdout } = await run(copy.dir, 'node_modules/.bin/vitest', ['run']);
    expect(stdout).toMatch(/Tests\s+.*\d+ passed/);
    expect(stdout).not.toMatch(/failed/);
  });

  it('passes prettier --check on src', async () => {
    // What its own `prettier --check "src/**/*.ts"` lists, asked in this process.
    expect(
      await unformattedFiles(
        copy.dir,
        await ensureSampleInstall(variant),
        'src/**/*.ts',
      ),
    ).toEqual([]);
  });

  it('type-checks the code outside the build (setup/, container/agent-runner/)', async () => {
    const setupFiles = (await fsp.readdir(path.join(copy.dir, 'setup')))
      .filter((name) => name.endsWith('.ts'))
      .map((name) => `setup/${name}`);
    // What `npx tsc --noEmit --strict ... <files>` checks, in this process.
    const diagnostics = typeCheck(
      copy.dir,
      await ensureSampleInstall(variant),
      [...setupFiles, 'container/agent-runner/src/index.ts'],
      {
        strict: true,
        target: 'es2022',
        module: 'nodenext',
        moduleResolution: 'nodenext',
        skipLibCheck: true,
        types: ['node'],
      },
    );
    expect(diagnostics).toEqual([]);
  });
});

describe('createSampleCopy', () => {
  it('without install has no node_modules', async () => {
    const copy = await createSampleCopy('base', { install: false });
    try {
      expect(fs.existsSync(path.join(copy.dir, 'package.json'))).toBe(true);
      expect(fs.existsSync(path.join(copy.dir, 'node_modules'))).toBe(false);
    } finally {
      await copy.cleanup();
    }
    expect(fs.existsSync(copy.dir)).toBe(false);
  });

  it('with git commits everything but node_modules, CRLF bytes intact', async () => {
    const copy = await createSampleCopy('customised', { git: true });
    try {
      const log = await run(copy.dir, 'git', ['log', '--format=%s']);
      expect(log.stdout).toBe('Sample NanoClaw (customised)');
      const status = await run(copy.dir, 'git', ['status', '--porcelain']);
      expect(status.stdout).toBe('');
      const files = (await run(copy.dir, 'git', ['ls-files'])).stdout;
      expect(files).toContain('src/index.ts');
      expect(files).not.toContain('node_modules');
      const committed = await execa('git', ['show', 'HEAD:src/index.ts'], {
        cwd: copy.dir,
        env: sampleEnv(),
        extendEnv: false,
        stripFinalNewline: false,
      });
      expect(committed.stdout).toBe(
        await fs.readFile(path.join(copy.dir, 'src/index.ts'), 'utf8'),
      );
    } finally {
      await copy.cleanup();
    }
  });

  it('links node_modules from the cache; npm install in a copy leaves the cache alone', async () => {
    const copy = await createSampleCopy('base');
    try {
      const linked = 'node_modules/typescript/package.json';
      const [inCopy, inCache] = await Promise.all([
        fsp.stat(path.join(copy.dir, linked)),
        fsp.stat(path.join(cacheDir, linked)),
      ]);
      expect(inCopy.ino).toBe(inCache.ino);

      const hiddenLock = 'node_modules/.package-lock.json';
      const cacheLockHash = sha256(
        await fs.readFile(path.join(cacheDir, hiddenLock)),
      );
      const pkgDir = path.join(copy.dir, 'packages', 'local-probe');
      await fs.outputJson(path.join(pkgDir, 'package.json'), {
        name: 'local-probe',
        version: '1.0.0',
        type: 'module',
        main: 'index.js',
      });
      await fs.writeFile(
        path.join(pkgDir, 'index.js'),
        'export const probe = 1;\n',
      );

      await run(copy.dir, 'npm', [
        'install',
        './packages/local-probe',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
      ]);

      const installed = path.join(copy.dir, 'node_modules', 'local-probe');
      expect((await fsp.lstat(installed)).isSymbolicLink()).toBe(true);
      expect(
        await fs.readFile(path.join(copy.dir, hiddenLock), 'utf8'),
      ).toContain('local-probe');
      const manifest = await fs.readJson(path.join(copy.dir, 'package.json'));
      expect(manifest.dependencies).toEqual({
        'local-probe': 'file:packages/local-probe',
      });

      expect(sha256(await fs.readFile(path.join(cacheDir, hiddenLock)))).toBe(
        cacheLockHash,
      );
      expect(
        fs.existsSync(path.join(cacheDir, 'node_modules/local-probe')),
      ).toBe(false);
      expect(await cacheFingerprint(cacheDir)).toBe(fingerprintBefore);
    } finally {
      await copy.cleanup();
    }
  });
});

describe('sampleEnv', () => {
  it("drops the outer run's markers and keeps the rest", () => {
    process.env.GIT_DIR = '/elsewhere/.git';
    try {
      const env = sampleEnv();
      expect(process.env.VITEST).toBeDefined();
      expect(env.VITEST).toBeUndefined();
      expect(env.GIT_DIR).toBeUndefined();
      expect(env.PATH).toBe(process.env.PATH);
    } finally {
      delete process.env.GIT_DIR;
    }
  });
});

describe('materialiseSample', () => {
  it('rejects an unknown variant, naming the known ones', async () => {
    await expect(
      materialiseSample('no-such-variant', '/nonexistent'),
    ).rejects.toThrow(/Unknown sample variant "no-such-variant".*base/);
  });
});

describe('treeSnapshot and diffSnapshots', () => {
  it('report added, removed and changed paths, honouring ignores', async () => {
    const copy = await createSampleCopy('base', { install: false });
    try {
      const before = await treeSnapshot(copy.dir);
      expect(Object.keys(before)).toEqual(Object.keys(before).slice().sort());
      expect(Object.keys(before)).toContain('src/config.ts');

      await fs.appendFile(path.join(copy.dir, 'src/config.ts'), '// edit\n');
      await fs.remove(path.join(copy.dir, 'src/logger.ts'));
      await fs.outputFile(path.join(copy.dir, 'src/providers/codex.ts'), '');
      await fs.ensureDir(path.join(copy.dir, 'packages'));
      await fs.outputFile(path.join(copy.dir, 'dist/index.js'), '');
      await fs.outputFile(path.join(copy.dir, 'node_modules/x/index.js'), '');
      await fs.outputFile(path.join(copy.dir, 'data/state.json'), '{}');

      const after = await treeSnapshot(copy.dir, { ignore: ['data'] });
      expect(diffSnapshots(before, after)).toEqual({
        added: ['packages/', 'src/providers/codex.ts'],
        removed: ['src/logger.ts'],
        changed: ['src/config.ts'],
      });
      expect(diffSnapshots(before, before)).toEqual({
        added: [],
        removed: [],
        changed: [],
      });

      const globbed = await treeSnapshot(copy.dir, {
        ignore: ['**/*.md', 'src/*.ts', 'data', 'packages'],
      });
      expect(Object.keys(globbed)).not.toContain('groups/main/CLAUDE.md');
      expect(Object.keys(globbed)).not.toContain('src/config.ts');
      expect(Object.keys(globbed)).toContain('src/providers/codex.ts');
    } finally {
      await copy.cleanup();
    }
  });
});

// ---- The sample at run time, through the fake docker ------------------------

/** Both isolation modes where the machine allows bind mounts, else copies only. */
const ISOLATIONS: Isolation[] = canBindMount() ? ['bind', 'copy'] : ['copy'];

describe.each(ISOLATIONS)(
  'the fake container runtime (%s mounts)',
  (isolation) => {
    let work: string;
    let runtime: FakeContainerRuntime;

    beforeAll(async () => {
      work = await fsp.mkdtemp(path.join(os.tmpdir(), 'fake-mounts-'));
      runtime = await createFakeContainerRuntime({
        image: {
          agentRunnerDir: path.join(
            BASE_SAMPLE_DIR,
            'container',
            'agent-runner',
          ),
          nodeModulesDir: path.join(cacheDir, 'node_modules'),
        },
        isolation,
      });
    });
    afterAll(async () => {
      await runtime?.cleanup();
      if (work) await fs.remove(work);
    });

    it('shadows a file inside a read-only mount with /dev/null, whatever the -v order', async () => {
      const project = path.join(work, 'project');
      const ipc = path.join(work, 'ipc');
      const src = path.join(work, 'src');
      await fs.outputFile(path.join(project, '.env'), 'SECRET=1\n');
      await fs.outputFile(path.join(project, 'notes.txt'), 'notes\n');
      await fs.ensureDir(ipc);
      // What the container sees, and whether it may change the project.
      await fs.outputFile(
        path.join(src, 'index.ts'),
        `import fs from 'fs';
const ws = process.env.NANOCLAW_WORKSPACE as string;
let write = 'allowed';
try {
  fs.writeFileSync(\`\${ws}/project/notes.txt\`, 'changed');
} catch (err) {
  write = (err as NodeJS.ErrnoException).code ?? 'failed';
}
fs.writeFileSync(\`\${ws}/ipc/from-container.txt\`, 'hi');
const read = (rel: string) => fs.readFileSync(\`\${ws}/\${rel}\`, 'utf-8');
const env = read('project/.env');
console.log(JSON.stringify({ env, notes: read('project/notes.txt'), write }));
`,
      );

      // The nested mount is named first: Docker still mounts the project first.
      const volumes = [
        '/dev/null:/workspace/project/.env:ro',
        `${project}:/workspace/project:ro`,
        `${ipc}:/workspace/ipc`,
        `${src}:/app/src`,
      ];
      const docker = await execa(
        path.join(runtime.binDir, 'docker'),
        [
          ...['run', '-i', '--rm', '--name', 'probe'],
          ...volumes.flatMap((volume) => ['-v', volume]),
          'probe:latest',
        ],
        { input: '', reject: false },
      );
      expect(docker.exitCode, docker.stderr).toBe(0);
      const seen = JSON.parse(docker.stdout);
      expect(seen.env).toBe('');
      expect(seen.write).toBe(isolation === 'bind' ? 'EROFS' : 'allowed');
      expect(seen.notes).toBe(isolation === 'bind' ? 'notes\n' : 'changed');
      // Read-only either way for the host: nothing reached the project or its .env.
      expect(await fs.readFile(path.join(project, '.env'), 'utf8')).toBe(
        'SECRET=1\n',
      );
      expect(await fs.readFile(path.join(project, 'notes.txt'), 'utf8')).toBe(
        'notes\n',
      );
      expect(
        await fs.readFile(path.join(ipc, 'from-container.txt'), 'utf8'),
      ).toBe('hi');
      const [recorded] = runtime.runs();
      expect(mountSpecs(recorded)).toContain(
        '/dev/null:/workspace/project/.env:ro',
      );
    });
  },
);

interface HostRun {
  exitCode: number;
  stdout: string;
  /** What the host said in the chat: the `Andy: ...` lines. */
  said: string[];
  /** JSON log messages, the agent container's stderr among them. */
  logs: string[];
}

function hostRun(exitCode: number, stdout: string, stderr = ''): HostRun {
  const lines = `${stdout}\n${stderr}`.split('\n');
  return {
    exitCode,
    stdout,
    said: lines.filter((line) => line.startsWith('Andy: ')),
    logs: lines
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line).msg as string),
  };
}

/**
 * `node dist/index.js --chat`, driven line by line: `send` writes a chat message,
 * `waitFor` resolves with the first stdout line matching, `end` closes stdin.
 */
function startChat(dir: string, env: NodeJS.ProcessEnv) {
  const child = spawn('node', ['dist/index.js', '--chat'], { cwd: dir, env });
  const lines: string[] = [];
  let stderr = '';
  let pending = '';
  const waiters: { match: RegExp; resolve: (line: string) => void }[] = [];
  child.stderr.on('data', (chunk) => (stderr += chunk));
  child.stdout.on('data', (chunk) => {
    pending += chunk;
    const complete = pending.split('\n');
    pending = complete.pop() ?? '';
    for (const line of complete) {
      lines.push(line);
      for (const waiter of waiters.filter((w) => w.match.test(line))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  });
  const exited = new Promise<HostRun>((resolve) =>
    child.on('close', (code) =>
      resolve(hostRun(code ?? -1, lines.join('\n'), stderr)),
    ),
  );
  return {
    send: (text: string) => child.stdin.write(`${text}\n`),
    end: () => child.stdin.end(),
    exited,
    waitFor(match: RegExp, ms = 60_000): Promise<string> {
      const seen = lines.find((line) => match.test(line));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          child.kill();
          reject(
            new Error(`No line ${match} in:\n${lines.join('\n')}\n${stderr}`),
          );
        }, ms);
        waiters.push({
          match,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
      });
    },
  };
}

describe.each(ISOLATIONS)(
  'the base sample through fake docker (%s mounts)',
  (isolation) => {
    let copy: SampleCopy;
    let runtime: FakeContainerRuntime;
    let env: NodeJS.ProcessEnv;
    const inCopy = (...parts: string[]) => path.join(copy.dir, ...parts);
    const inputDir = () => inCopy('data', 'ipc', 'main', 'input');
    const runsOf = (group: string): ContainerRun[] =>
      runtime.runs().filter((r) => r.name.startsWith(`nanoclaw-${group}-`));

    async function prompt(text: string, ...args: string[]): Promise<HostRun> {
      const result = await execa(
        'node',
        ['dist/index.js', '--prompt', text, ...args],
        {
          cwd: copy.dir,
          env,
          extendEnv: false,
          reject: false,
          timeout: 90_000,
        },
      );
      return hostRun(
        result.exitCode ?? -1,
        String(result.stdout),
        String(result.stderr),
      );
    }

    beforeAll(async () => {
      copy = await createSampleCopy('base', { build: true, memoTsc: true });
      await fs.writeFile(inCopy('.env'), 'ANTHROPIC_API_KEY=sk-test\n');
      runtime = await createFakeContainerRuntime({
        image: {
          agentRunnerDir: inCopy('container', 'agent-runner'),
          nodeModulesDir: inCopy('node_modules'),
        },
        isolation,
      });
      env = {
        ...Object.fromEntries(
          Object.entries(sampleEnv()).filter(
            ([key]) =>
              !/^(ANTHROPIC_|CLAUDE_|CONTAINER_|IDLE_TIMEOUT)/.test(key),
          ),
        ),
        PATH: `${runtime.binDir}${path.delimiter}${process.env.PATH ?? ''}`,
        LOG_LEVEL: 'debug',
      };
    });
    afterAll(async () => {
      await runtime?.cleanup();
      await copy?.cleanup();
    });

    it('--prompt answers once, then writes _close and the container exits', async () => {
      const result = await prompt('hello');
      expect(result.exitCode, result.stdout).toBe(0);
      expect(result.said).toEqual([
        'Andy: Claude received: hello (with memory)',
      ]);
      expect(result.logs).toContain('[agent-runner] Close requested, exiting');
      expect(runsOf('main').map((r) => r.exitCode)).toEqual([0]);
      // The runner took _close; nothing is left for the next container.
      expect(await fs.readdir(inputDir())).toEqual([]);
    });

    it("mounts the checkout read-only for main with .env shadowed, and the group's IPC folder", async () => {
      const [main] = runsOf('main');
      const specs = mountSpecs(main);
      expect(specs).toEqual(
        expect.arrayContaining([
          `${copy.dir}:/workspace/project:ro`,
          '/dev/null:/workspace/project/.env:ro',
          `${inCopy('groups', 'main')}:/workspace/group`,
          `${inCopy('data', 'ipc', 'main')}:/workspace/ipc`,
        ]),
      );

      const other = await prompt('hi', '--group', 'family');
      expect(other.exitCode, other.stdout).toBe(0);
      expect(other.said).toEqual([
        'Andy: Claude received: hi (without memory)',
      ]);
      const [family] = runsOf('family');
      const paths = family.mounts.map((mount) => mount.containerPath);
      expect(paths).not.toContain('/workspace/project');
      expect(paths).not.toContain('/workspace/project/.env');
      expect(mountSpecs(family)).toEqual(
        expect.arrayContaining([
          `${inCopy('groups', 'global')}:/workspace/global:ro`,
          `${inCopy('data', 'ipc', 'family')}:/workspace/ipc`,
        ]),
      );
    });

    it('chat mode pipes a follow-up into the running container, which answers it too', async () => {
      // Left by a container that ended before reading it: the next one must ignore it.
      await fs.outputFile(path.join(inputDir(), '_close'), '');
      const before = runsOf('main').length;
      const chat = startChat(copy.dir, env);
      chat.send('first');
      await chat.waitFor(/^Andy: Claude received: first \(with memory\)$/);
      chat.send('second');
      await chat.waitFor(/"msg":"Piped message to running container"/);
      await chat.waitFor(/^Andy: Claude received: second \(with memory\)$/);
      chat.end();
      const result = await chat.exited;

      expect(result.exitCode, result.stdout).toBe(0);
      expect(result.said).toEqual([
        'Andy: Claude received: first (with memory)',
        'Andy: Claude received: second (with memory)',
      ]);
      expect(
        result.logs.filter((msg) => msg === 'Spawning container agent'),
      ).toHaveLength(1);
      expect(result.logs).toContain('Chat ended');
      expect(
        runsOf('main')
          .slice(before)
          .map((r) => r.exitCode),
      ).toEqual([0]);
      expect(await fs.readdir(inputDir())).toEqual([]);
    });

    it('a message waiting in input/ when the container starts joins the first prompt', async () => {
      await fs.outputFile(
        path.join(inputDir(), '1-early.json'),
        JSON.stringify({ type: 'message', text: 'and an early one' }),
      );
      const result = await prompt('hello');
      expect(result.exitCode, result.stdout).toBe(0);
      expect(result.stdout).toContain(
        'Andy: Claude received: hello\nand an early one (with memory)',
      );
      expect(await fs.readdir(inputDir())).toEqual([]);
    });
  },
);

describe("the sample's GroupQueue (built)", () => {
  let copy: SampleCopy;
  const inCopy = (...parts: string[]) => path.join(copy.dir, ...parts);

  beforeAll(async () => {
    copy = await createSampleCopy('base', { build: true, memoTsc: true });
  });
  afterAll(() => copy?.cleanup());

  it('writes a follow-up as a JSON file via a .tmp name, and _close only after an answer', async () => {
    const queueModule = pathToFileURL(inCopy('dist', 'group-queue.js')).href;
    // A stand-in agent the script controls; DATA_DIR is the copy's data/.
    const script = `
      import fs from 'node:fs';
      import { GroupQueue } from '${queueModule}';
      const input = 'data/ipc/main/input';
      const list = () => fs.readdirSync(input).sort()
        .map((name) => [name, fs.readFileSync(input + '/' + name, 'utf8')]);
      fs.mkdirSync(input, { recursive: true });
      const written = new Set();
      const watcher = fs.watch(input, (event, name) => written.add(name));
      let report;
      let finish;
      const queue = new GroupQueue((group, text, onOutput) => {
        report = onOutput;
        return new Promise((resolve) => (finish = resolve));
      }, 60000);
      const done = queue.enqueueMessage('main', 'first');
      const piped = queue.enqueueMessage('main', 'second') === done;
      const afterPipe = list();
      queue.closeStdin('main');
      const beforeAnswer = list().length;
      report({ status: 'success', result: 'hi' });
      const afterAnswer = list();
      finish({ status: 'success', result: 'hi' });
      await done;
      const idle = queue.sendMessage('main', 'x');
      await new Promise((resolve) => setTimeout(resolve, 200));
      watcher.close();
      console.log(JSON.stringify({ piped, afterPipe, beforeAnswer, afterAnswer, idle, written: [...written] }));
    `;
    const scriptFile = inCopy('queue-probe.mjs');
    await fs.writeFile(scriptFile, script);
    const { stdout } = await run(copy.dir, 'node', [scriptFile]);
    const result = JSON.parse(stdout.split('\n').at(-1)!);

    expect(result.piped).toBe(true);
    expect(result.afterPipe).toHaveLength(1);
    const [[name, content]] = result.afterPipe;
    expect(name).toMatch(/^\d{13}-[0-9a-f]+\.json$/);
    expect(JSON.parse(content)).toEqual({ type: 'message', text: 'second' });
    expect(result.written).toContain(`${name}.tmp`);
    // The runner deletes a _close it finds at start-up, so none before its first answer.
    expect(result.beforeAnswer).toBe(1);
    expect(result.afterAnswer).toEqual([
      [name, content],
      ['_close', ''],
    ]);
    // Once the container has exited, nothing is piped any more.
    expect(result.idle).toBe(false);
  });
});

describe('install cache', () => {
  it('is unchanged after everything the copies above did', async () => {
    expect(await cacheFingerprint(cacheDir)).toBe(fingerprintBefore);
  });
});
