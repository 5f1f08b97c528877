/**
 * A `docker` that runs NanoClaw's agent container without Docker.
 *
 * `docker run -i --rm --name N -e K=V -v host:container[:ro] IMAGE` builds a small
 * container filesystem in a temp folder, mounts every `-v` at its container path
 * inside it, compiles the mounted /app/src (the group's agent-runner-src) with the
 * image's package.json and tsconfig.json, exactly as the container's entrypoint
 * does, and runs `node dist/index.js` with stdin, stdout and stderr passed through.
 *
 * The agent runner finds its container paths through the variables the Codex
 * provider reads: NANOCLAW_WORKSPACE is <root>/workspace and
 * NANOCLAW_CODEX_SESSIONS_DIR is <root>/home/node/.claude/codex-sessions. It sees
 * only the `-e` variables and the image's own environment, not the host's.
 *
 * A mount may sit inside another (`-v /dev/null:/workspace/project/.env:ro`
 * shadows a file of a read-only project mount). As Docker does, mounts are made
 * outer first, by the depth of their container path, whatever the order of the
 * `-v` options, and two mounts at one path are refused. A host path may be a
 * folder or a file.
 *
 * Mounts are real bind mounts made in a user namespace (`unshare -Urm`), so a
 * symlink check sees what it would in Docker and `:ro` is enforced. Where user
 * namespaces are not allowed the runtime falls back to copies: /workspace mounts
 * are copied in and the writable ones copied back after exit (a file that is not
 * a regular one, such as /dev/null, becomes an empty file); /workspace/ipc and
 * mounts outside /workspace are symlinks.
 *
 * A compile whose inputs (the sources, the image's manifest, compiler settings and
 * installed packages, the compiler) match one that succeeded before is not run
 * again: its dist/ comes from test/.cache/agent-runner-dist. A failing compile is
 * never cached, so it fails on every run, as in Docker.
 *
 * This file is both the helper tests import and, transpiled once to plain
 * JavaScript (test/.cache/fake-docker), the runtime itself.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const THIS_FILE = fileURLToPath(import.meta.url);
// Only meaningful in the helper: the transpiled runtime lives elsewhere.
const TOOL_ROOT = path.resolve(path.dirname(THIS_FILE), '..', '..');
const CACHE_ROOT = path.join(TOOL_ROOT, 'test', '.cache');

export type Isolation = 'bind' | 'copy';

export interface ContainerImage {
  /** The agent runner the image is built from: its package.json and tsconfig.json are used. */
  agentRunnerDir: string;
  /** The image's node_modules (for @types/node when compiling). */
  nodeModulesDir: string;
  /** Environment the image sets (ENV lines). */
  env?: Record<string, string>;
}

export interface Mount {
  hostPath: string;
  containerPath: string;
  readonly: boolean;
}

export interface ContainerRun {
  name: string;
  image: string;
  /** The `-e` variables, as the host passed them. */
  env: Record<string, string>;
  mounts: Mount[];
  isolation: Isolation;
  exitCode: number;
}

export interface FakeContainerRuntime {
  /** Put this first on PATH of the host process. */
  binDir: string;
  isolation: Isolation;
  /** Every finished `docker run`, oldest first. */
  runs(): ContainerRun[];
  cleanup(): Promise<void>;
}

interface RuntimeConfig {
  stateDir: string;
  node: string;
  tsc: string;
  /** Where successful agent-runner compiles are kept, by the hash of their inputs. */
  compileCacheDir: string;
  image: ContainerImage;
  isolation: Isolation;
}

/** Whether this machine lets an unprivileged user make bind mounts in a user namespace. */
export function canBindMount(): boolean {
  const probe = spawnSync('unshare', ['-Urm', 'true'], { stdio: 'ignore' });
  return probe.status === 0;
}

export async function createFakeContainerRuntime(options: {
  image: ContainerImage;
  /** Default: 'bind' where the machine allows it, else 'copy'. */
  isolation?: Isolation;
}): Promise<FakeContainerRuntime> {
  const stateDir = await fs.promises.mkdtemp(
    path.join(os.tmpdir(), 'fake-docker-'),
  );
  const binDir = path.join(stateDir, 'bin');
  const config: RuntimeConfig = {
    stateDir,
    node: process.execPath,
    tsc: path.join(TOOL_ROOT, 'node_modules', '.bin', 'tsc'),
    compileCacheDir: path.join(CACHE_ROOT, 'agent-runner-dist'),
    image: options.image,
    isolation: options.isolation ?? (canBindMount() ? 'bind' : 'copy'),
  };
  const configFile = path.join(stateDir, 'config.json');
  fs.writeFileSync(configFile, JSON.stringify(config, null, 2));
  fs.mkdirSync(binDir);
  fs.writeFileSync(
    path.join(binDir, 'docker'),
    `#!/bin/sh\nexec ${quote(config.node)} ${quote(transpiledRuntime())} ${quote(configFile)} "$@"\n`,
    { mode: 0o755 },
  );

  return {
    binDir,
    isolation: config.isolation,
    runs: () => readRuns(stateDir),
    cleanup: () => fs.promises.rm(stateDir, { recursive: true, force: true }),
  };
}

const sha256 = (data: string | Buffer) =>
  createHash('sha256').update(data).digest('hex');

/** Write `text` to `file` whole or not at all, even with several writers at once. */
function writeAtomically(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(temp, text);
  fs.renameSync(temp, file);
}

/**
 * This file as JavaScript, transpiled once per content: started through tsx, every
 * `docker` call cost two Node start-ups and a transform before it did anything.
 */
function transpiledRuntime(): string {
  const source = fs.readFileSync(THIS_FILE, 'utf8');
  const file = path.join(
    CACHE_ROOT,
    'fake-docker',
    `runtime-${sha256(source).slice(0, 16)}.mjs`,
  );
  if (fs.existsSync(file)) return file;
  const ts = createRequire(import.meta.url)(
    'typescript',
  ) as typeof import('typescript');
  const { outputText } = ts.transpileModule(source, {
    fileName: THIS_FILE,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
    },
  });
  writeAtomically(file, outputText);
  return file;
}

/** A run's mounts in `docker run -v` form (`host:container[:ro]`), in mount order. */
export function mountSpecs(run: ContainerRun): string[] {
  return run.mounts.map(
    (mount) =>
      `${mount.hostPath}:${mount.containerPath}${mount.readonly ? ':ro' : ''}`,
  );
}

function readRuns(stateDir: string): ContainerRun[] {
  const log = path.join(stateDir, 'runs.jsonl');
  if (!fs.existsSync(log)) return [];
  return fs
    .readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as ContainerRun);
}

/** A POSIX shell word. */
function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

// ---- The runtime ---------------------------------------------------------------

interface RunArgs {
  name: string;
  image: string;
  env: Record<string, string>;
  mounts: Mount[];
  remove: boolean;
  /** `--add-host NAME:IP`; `host-gateway` is the host itself, which shares our network. */
  hosts: Record<string, string>;
}

function addHost(run: RunArgs, spec: string): void {
  const colon = spec.indexOf(':');
  if (colon <= 0)
    throw new Error(`fake docker: cannot parse --add-host ${spec}`);
  const ip = spec.slice(colon + 1);
  run.hosts[spec.slice(0, colon)] = ip === 'host-gateway' ? '127.0.0.1' : ip;
}

/**
 * --add-host in bind mode: the container's own /etc/hosts (a bind mount in its
 * mount namespace), so names resolve as in Docker.
 */
function hostsFileLines(run: RunArgs, root: string): string[] {
  const names = Object.entries(run.hosts);
  if (!names.length) return [];
  const file = path.join(root, 'etc-hosts');
  const base = fs.existsSync('/etc/hosts')
    ? fs.readFileSync('/etc/hosts', 'utf8')
    : '';
  fs.writeFileSync(
    file,
    `${base}${names.map(([name, ip]) => `${ip} ${name}`).join('\n')}\n`,
  );
  return [`mount --bind ${quote(file)} /etc/hosts`];
}

/** Copy mode has no namespace for /etc/hosts: point URLs in the environment at the IP instead. */
function withHostsResolved(run: RunArgs): Record<string, string> {
  const env = { ...run.env };
  for (const [name, ip] of Object.entries(run.hosts)) {
    for (const key of Object.keys(env)) {
      env[key] = env[key].split(`//${name}:`).join(`//${ip}:`);
    }
  }
  return env;
}

function parseRunArgs(args: string[]): RunArgs {
  const run: RunArgs = {
    name: `fake-${process.pid}`,
    image: '',
    env: {},
    mounts: [],
    remove: false,
    hosts: {},
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '-i' || arg === '--interactive') continue;
    if (arg === '--rm') run.remove = true;
    else if (arg === '--name') run.name = args[++i];
    else if (arg === '-e' || arg === '--env') {
      const pair = args[++i];
      const eq = pair.indexOf('=');
      // `-e KEY` alone passes the caller's value through, as Docker does.
      if (eq === -1) run.env[pair] = process.env[pair] ?? '';
      else run.env[pair.slice(0, eq)] = pair.slice(eq + 1);
    } else if (arg === '-v' || arg === '--volume') {
      run.mounts.push(parseVolume(args[++i]));
    } else if (arg.startsWith('--add-host=')) {
      addHost(run, arg.slice('--add-host='.length));
    } else if (arg === '--add-host') {
      addHost(run, args[++i]);
    } else if (arg.startsWith('-')) {
      throw new Error(`fake docker: unsupported option ${arg}`);
    } else {
      run.image = arg;
      if (i !== args.length - 1) {
        throw new Error(
          `fake docker: a command after the image is not supported (${args.slice(i + 1).join(' ')})`,
        );
      }
    }
  }
  if (!run.image) throw new Error('fake docker: no image given');
  return run;
}

/**
 * The order Docker mounts in: fewer path segments first (a stable sort), so a
 * mount inside another is made after it and stays visible.
 */
function mountOrder(mounts: Mount[]): Mount[] {
  const depth = (mount: Mount) =>
    path.posix.normalize(mount.containerPath).split('/').filter(Boolean).length;
  const seen = new Set<string>();
  for (const mount of mounts) {
    const at = path.posix.normalize(mount.containerPath);
    if (seen.has(at))
      throw new Error(`fake docker: duplicate mount point ${at}`);
    seen.add(at);
  }
  return [...mounts].sort((a, b) => depth(a) - depth(b));
}

function parseVolume(spec: string): Mount {
  const parts = spec.split(':');
  const mode = parts[parts.length - 1];
  const readonly = mode === 'ro';
  if (mode === 'ro' || mode === 'rw') parts.pop();
  const containerPath = parts.pop() ?? '';
  const hostPath = parts.join(':');
  if (!path.isAbsolute(hostPath) || !path.posix.isAbsolute(containerPath)) {
    throw new Error(`fake docker: cannot parse volume ${spec}`);
  }
  return { hostPath, containerPath, readonly };
}

async function runContainer(config: RuntimeConfig, args: string[]) {
  const run = parseRunArgs(args);
  const containersDir = path.join(config.stateDir, 'containers');
  fs.mkdirSync(containersDir, { recursive: true });
  const root = fs.mkdtempSync(path.join(containersDir, `${run.name}-`));
  const at = (containerPath: string) => path.join(root, containerPath);

  // The image: the agent runner's manifest and compiler settings, its dependencies.
  const app = at('/app');
  fs.mkdirSync(app, { recursive: true });
  for (const file of ['package.json', 'tsconfig.json']) {
    fs.copyFileSync(
      path.join(config.image.agentRunnerDir, file),
      path.join(app, file),
    );
  }
  fs.symlinkSync(config.image.nodeModulesDir, path.join(app, 'node_modules'));
  fs.mkdirSync(at('/home/node'), { recursive: true });

  const mounts = mountOrder(run.mounts);
  const setup: string[] = ['set -e'];
  const copiedBack = config.isolation === 'bind' ? [] : placeCopies(mounts, at);
  if (config.isolation === 'bind') {
    for (const mount of mounts) setup.push(...bindMountLines(mount, at));
    setup.push(...hostsFileLines(run, root));
  }
  // The entrypoint: compile the mounted sources, then run them. tsc reports on stdout,
  // which belongs to the output markers, so its report goes to stderr.
  const key = compileKey(config, mounts);
  const cached = key && path.join(config.compileCacheDir, key);
  const staged = path.join(root, 'compiled-dist');
  setup.push(`cd ${quote(app)}`);
  if (cached && fs.existsSync(cached)) {
    fs.cpSync(cached, path.join(app, 'dist'), { recursive: true });
  } else {
    setup.push(`${quote(config.node)} ${quote(config.tsc)} -p . 1>&2`);
    // Reached only when the compile succeeded (set -e); kept before the runner runs.
    if (cached) setup.push(`cp -R dist ${quote(staged)} || true`);
  }
  setup.push(`exec ${quote(config.node)} dist/index.js`);
  const script = setup.join('\n');

  const env: Record<string, string> = {
    PATH: [
      path.dirname(config.node),
      '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    ].join(':'),
    HOME: at('/home/node'),
    ...config.image.env,
    ...(config.isolation === 'bind' ? run.env : withHostsResolved(run)),
    NANOCLAW_WORKSPACE: at('/workspace'),
    NANOCLAW_CODEX_SESSIONS_DIR: at('/home/node/.claude/codex-sessions'),
  };
  const [command, commandArgs] =
    config.isolation === 'bind'
      ? [
          'unshare',
          ['--user', '--map-root-user', '--mount', 'sh', '-c', script],
        ]
      : ['sh', ['-c', script]];
  const child = spawn(command, commandArgs as string[], {
    cwd: root,
    env,
    stdio: 'inherit',
  });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  process.on('SIGTERM', forward('SIGTERM'));
  process.on('SIGINT', forward('SIGINT'));
  const exitCode = await new Promise<number>((resolve) => {
    child.on('error', (err) => {
      process.stderr.write(`fake docker: ${err.message}\n`);
      resolve(125);
    });
    child.on('close', (code, signal) =>
      resolve(code ?? 128 + (signal ? os.constants.signals[signal] : 0)),
    );
  });

  for (const mount of copiedBack) {
    syncBack(
      at(mount.containerPath),
      mount.hostPath,
      nestedIn(mount, mounts).map((inner) => at(inner.containerPath)),
    );
  }
  const record: ContainerRun = {
    name: run.name,
    image: run.image,
    env: run.env,
    mounts: run.mounts,
    isolation: config.isolation,
    exitCode,
  };
  if (cached && fs.existsSync(staged)) keepCompile(staged, cached);
  fs.appendFileSync(
    path.join(config.stateDir, 'runs.jsonl'),
    `${JSON.stringify(record)}\n`,
  );
  // The bind mounts died with the namespace: only the skeleton is left to delete.
  if (run.remove) fs.rmSync(root, { recursive: true, force: true });
  return exitCode;
}

/** Every file below `dir` as relative path and bytes, in a stable order. */
function hashTree(dir: string, hash: ReturnType<typeof createHash>): void {
  const walk = (abs: string, rel: string) => {
    for (const entry of fs
      .readdirSync(abs, { withFileTypes: true })
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const childAbs = path.join(abs, entry.name);
      const childRel = `${rel}/${entry.name}`;
      if (fs.statSync(childAbs).isDirectory()) walk(childAbs, childRel);
      else hash.update(`${childRel}\0`).update(fs.readFileSync(childAbs));
    }
  };
  walk(dir, '');
}

/**
 * What the compile of /app/src depends on: the sources, the image's package.json
 * and tsconfig.json, what its node_modules holds (npm's own record of it) and the
 * compiler. Undefined where that cannot be told, and nothing is cached then.
 */
function compileKey(
  config: RuntimeConfig,
  mounts: Mount[],
): string | undefined {
  const src = mounts.find(
    (mount) => path.posix.normalize(mount.containerPath) === '/app/src',
  );
  const installed = path.join(
    config.image.nodeModulesDir,
    '.package-lock.json',
  );
  if (!src || !fs.existsSync(installed)) return undefined;
  if (!fs.statSync(src.hostPath).isDirectory()) return undefined;
  const compiler = path.join(
    path.dirname(fs.realpathSync(config.tsc)),
    '..',
    'package.json',
  );
  const hash = createHash('sha256');
  for (const file of [
    compiler,
    installed,
    path.join(config.image.agentRunnerDir, 'package.json'),
    path.join(config.image.agentRunnerDir, 'tsconfig.json'),
  ]) {
    hash.update(`${path.basename(file)}\0`).update(fs.readFileSync(file));
  }
  hashTree(src.hostPath, hash);
  return hash.digest('hex');
}

/** Keep a successful compile for the next run with the same inputs (first one wins). */
function keepCompile(staged: string, cached: string): void {
  if (fs.existsSync(cached)) return;
  const temp = `${cached}.tmp-${process.pid}`;
  try {
    fs.mkdirSync(path.dirname(cached), { recursive: true });
    fs.cpSync(staged, temp, { recursive: true });
    fs.renameSync(temp, cached);
  } catch {
    // Another run kept the same compile first, or the cache is not writable.
    fs.rmSync(temp, { recursive: true, force: true });
  }
}

/** Whether container path `inner` is `outer` or lies inside it. */
function isWithin(inner: string, outer: string): boolean {
  const rel = path.posix.relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !path.posix.isAbsolute(rel));
}

/** The mounts made after `outer` (in mount order) inside it: they hide what is there. */
function nestedIn(outer: Mount, mounts: Mount[]): Mount[] {
  return mounts
    .slice(mounts.indexOf(outer) + 1)
    .filter(
      (inner) =>
        inner.containerPath !== outer.containerPath &&
        isWithin(inner.containerPath, outer.containerPath),
    );
}

/**
 * Shell lines that bind-mount one host path. The mount point is made only now,
 * after the earlier mounts: inside a read-only one it must already exist, or
 * the run fails, as in Docker.
 */
function bindMountLines(
  mount: Mount,
  at: (containerPath: string) => string,
): string[] {
  const target = quote(at(mount.containerPath));
  const isDir = fs.statSync(mount.hostPath).isDirectory();
  const lines = isDir
    ? [`mkdir -p ${target}`]
    : [
        `mkdir -p ${quote(path.dirname(at(mount.containerPath)))}`,
        `[ -e ${target} ] || : > ${target}`,
      ];
  lines.push(`mount --bind ${quote(mount.hostPath)} ${target}`);
  if (mount.readonly) lines.push(`mount -o remount,bind,ro ${target}`);
  return lines;
}

/**
 * Stand-ins for mounts without a user namespace: copies under /workspace (a
 * symlink there would point out of the workspace, which the agent refuses),
 * symlinks elsewhere and for /workspace/ipc, which host and container share
 * while the container runs. Returns the copies to write back after exit.
 */
function placeCopies(
  mounts: Mount[],
  at: (containerPath: string) => string,
): Mount[] {
  const copiedBack: Mount[] = [];
  const linked: Mount[] = [];
  for (const mount of mounts) {
    const target = at(mount.containerPath);
    const outer = linked.find((link) =>
      isWithin(mount.containerPath, link.containerPath),
    );
    if (outer) {
      throw new Error(
        `fake docker (copy mounts): cannot mount ${mount.containerPath} inside the linked mount ${outer.containerPath}`,
      );
    }
    // A later mount hides whatever an earlier one put at its path.
    fs.rmSync(target, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const live =
      !mount.containerPath.startsWith('/workspace/') ||
      isWithin(mount.containerPath, '/workspace/ipc');
    if (live) {
      fs.symlinkSync(mount.hostPath, target);
      linked.push(mount);
      continue;
    }
    const copied = copyIn(mount.hostPath, target);
    if (copied && !mount.readonly) copiedBack.push(mount);
  }
  return copiedBack;
}

/**
 * A copy of a folder or file; anything else (a device such as /dev/null) reads
 * as an empty file, and is not copied back (false).
 */
function copyIn(hostPath: string, target: string): boolean {
  const stat = fs.statSync(hostPath);
  if (!stat.isDirectory() && !stat.isFile()) {
    fs.writeFileSync(target, '');
    return false;
  }
  fs.cpSync(hostPath, target, {
    recursive: true,
    mode: fs.constants.COPYFILE_FICLONE,
  });
  return true;
}

/**
 * Make `to` hold what `from` holds: what the container wrote, changed or
 * deleted, except at the `skip` paths, where a nested mount hid the copy.
 */
function syncBack(from: string, to: string, skip: string[]): void {
  if (!fs.statSync(to).isDirectory()) {
    fs.copyFileSync(from, to);
    return;
  }
  for (const name of fs.readdirSync(to)) {
    const inContainer = path.join(from, name);
    if (!fs.existsSync(inContainer) && !skip.includes(inContainer)) {
      fs.rmSync(path.join(to, name), { recursive: true, force: true });
    }
  }
  fs.cpSync(from, to, {
    recursive: true,
    force: true,
    filter: (src) => !skip.includes(src),
  });
}

async function main(argv: string[]): Promise<number> {
  const [configFile, subcommand, ...rest] = argv;
  const config = JSON.parse(
    fs.readFileSync(configFile, 'utf8'),
  ) as RuntimeConfig;
  if (subcommand === 'run') return runContainer(config, rest);
  if (subcommand === 'info' || subcommand === 'version') {
    process.stdout.write(`fake docker (${config.isolation} mounts)\n`);
    return 0;
  }
  process.stderr.write(
    `fake docker: "${subcommand}" is not supported (only run, info, version)\n`,
  );
  return 125;
}

if (process.argv[1] && path.resolve(process.argv[1]) === THIS_FILE) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(
        `${err instanceof Error ? err.message : String(err)}\n`,
      );
      process.exit(125);
    },
  );
}
