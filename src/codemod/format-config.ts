/**
 * How the target formats its code, read from its prettier config, so that the
 * lines a codemod adds look like the rest of the file and pass the target's own
 * `prettier --check`: print width, quotes, semicolons and trailing commas.
 * Indentation and line endings are taken from each file itself (./text.ts).
 *
 * Read without prettier (the tool does not ship it, and a dry run has no time
 * to load it): the JSON and YAML forms of .prettierrc, .prettierrc.json,
 * .prettierrc.yaml/.yml and the "prettier" key of package.json, in prettier's
 * order, with `overrides` that match TypeScript files (JSON forms only), over
 * what .editorconfig says (as prettier's CLI does). Only the target's root
 * folder is searched. A config prettier
 * would have to run (prettier.config.js, a shared config named by package.json)
 * cannot be read this way: `unreadConfig` names it and prettier's defaults apply.
 */
import fs from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';

export interface FormatOptions {
  printWidth: number;
  /** The width of a tab when a line is measured. */
  tabWidth: number;
  singleQuote: boolean;
  semi: boolean;
  trailingComma: 'all' | 'es5' | 'none';
}

/** Prettier 3's defaults: what a target without a prettier config gets. */
export const PRETTIER_DEFAULTS: FormatOptions = {
  printWidth: 80,
  tabWidth: 2,
  singleQuote: false,
  semi: true,
  trailingComma: 'all',
};

/**
 * NanoClaw's own .prettierrc (`{ "singleQuote": true }`): what a codemod
 * assumes when it is not told the target's settings (jscodeshift, tests).
 */
export const NANOCLAW_FORMAT: FormatOptions = {
  ...PRETTIER_DEFAULTS,
  singleQuote: true,
};

export interface TargetFormat {
  format: FormatOptions;
  /** The config file the settings came from; undefined when there is none. */
  configFile?: string;
  /** A config that exists but could not be read without running prettier. */
  unreadConfig?: string;
}

/** The settings a config object holds, ignoring unknown keys and bad values. */
export function formatSettings(raw: unknown): Partial<FormatOptions> {
  if (!raw || typeof raw !== 'object') return {};
  const config = raw as Record<string, unknown>;
  const found: Partial<FormatOptions> = {};
  const number = (value: unknown) =>
    typeof value === 'number' && Number.isInteger(value) && value > 0
      ? value
      : typeof value === 'string' && /^\d+$/.test(value)
        ? Number(value)
        : undefined;
  const flag = (value: unknown) =>
    typeof value === 'boolean'
      ? value
      : value === 'true'
        ? true
        : value === 'false'
          ? false
          : undefined;
  const printWidth = number(config.printWidth);
  if (printWidth !== undefined) found.printWidth = printWidth;
  const tabWidth = number(config.tabWidth);
  if (tabWidth !== undefined) found.tabWidth = tabWidth;
  const singleQuote = flag(config.singleQuote);
  if (singleQuote !== undefined) found.singleQuote = singleQuote;
  const semi = flag(config.semi);
  if (semi !== undefined) found.semi = semi;
  if (
    config.trailingComma === 'all' ||
    config.trailingComma === 'es5' ||
    config.trailingComma === 'none'
  ) {
    found.trailingComma = config.trailingComma;
  }
  return found;
}

/**
 * The top-level `key: value` pairs of a YAML .prettierrc. Nested values
 * (overrides) are skipped: their top level still counts.
 */
function parseSimpleYaml(text: string): Record<string, unknown> | undefined {
  const result: Record<string, unknown> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/\s+#.*$/, '').trimEnd();
    if (line.trim() === '' || line.trim().startsWith('#') || line === '---') {
      continue;
    }
    // A line of a nested value.
    if (/^\s/.test(line) || line.startsWith('-')) continue;
    const match = /^([A-Za-z][\w-]*)\s*:\s*(.*)$/.exec(line);
    if (!match) return undefined;
    const value = match[2].trim().replace(/^(['"])(.*)\1$/, '$2');
    if (value !== '') {
      result[match[1]] = /^\d+$/.test(value) ? Number(value) : value;
    }
  }
  return result;
}

/**
 * What .editorconfig in the root says for a TypeScript file, as prettier's CLI
 * reads it (below what a prettier config sets): max_line_length and
 * indent_size or tab_width.
 */
function editorconfigSettings(root: string): Partial<FormatOptions> {
  const text = readText(path.join(root, '.editorconfig'));
  if (text === undefined) return {};
  const probe = 'src/index.ts';
  const found: Record<string, string> = {};
  let applies = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[(.*)\]$/.exec(line);
    if (section) {
      const glob = section[1].includes('/') ? section[1] : `**/${section[1]}`;
      applies = picomatch(glob.replace(/^\//, ''), { dot: true })(probe);
      continue;
    }
    const pair = /^([\w-]+)\s*[=:]\s*(.*)$/.exec(line);
    if (applies && pair) found[pair[1].toLowerCase()] = pair[2].trim();
  }
  const settings: Partial<FormatOptions> = {};
  const number = (value: string | undefined) =>
    value && /^\d+$/.test(value) ? Number(value) : undefined;
  const width = number(found.max_line_length);
  if (width) settings.printWidth = width;
  const tab = number(found.tab_width) ?? number(found.indent_size);
  if (tab) settings.tabWidth = tab;
  return settings;
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch {
    return undefined;
  }
}

function parseConfig(text: string, yaml: boolean): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return yaml ? parseSimpleYaml(text) : undefined;
  }
}

/** What prettier applies to a TypeScript file: the top level, then each matching override. */
function settingsForTypeScript(config: unknown): Partial<FormatOptions> {
  const top = formatSettings(config);
  const overrides = (config as { overrides?: unknown } | undefined)?.overrides;
  if (!Array.isArray(overrides)) return top;
  const probe = 'src/index.ts';
  let merged = top;
  for (const override of overrides) {
    const { files, excludeFiles, options } = (override ?? {}) as {
      files?: string | string[];
      excludeFiles?: string | string[];
      options?: unknown;
    };
    if (!files) continue;
    const matches = (patterns: string | string[]) =>
      picomatch(patterns, { dot: true, basename: true })(probe) ||
      picomatch(patterns, { dot: true })(probe);
    if (matches(files) && !(excludeFiles && matches(excludeFiles))) {
      merged = { ...merged, ...formatSettings(options) };
    }
  }
  return merged;
}

/** Config files prettier would have to load as code. */
const CODE_CONFIGS = [
  '.prettierrc.json5',
  '.prettierrc.toml',
  '.prettierrc.js',
  '.prettierrc.cjs',
  '.prettierrc.mjs',
  '.prettierrc.ts',
  '.prettierrc.cts',
  '.prettierrc.mts',
  'prettier.config.js',
  'prettier.config.cjs',
  'prettier.config.mjs',
  'prettier.config.ts',
  'prettier.config.cts',
  'prettier.config.mts',
];

/**
 * The target's format settings, from the first config prettier would use in
 * the target's root folder; prettier's defaults for what it does not set.
 */
export function readFormatOptions(root: string): TargetFormat {
  const editorconfig = editorconfigSettings(root);
  const withDefaults = (
    settings: Partial<FormatOptions>,
    extra: Omit<TargetFormat, 'format'>,
  ): TargetFormat => ({
    format: { ...PRETTIER_DEFAULTS, ...editorconfig, ...settings },
    ...extra,
  });

  const pkgText = readText(path.join(root, 'package.json'));
  if (pkgText !== undefined) {
    const pkg = parseConfig(pkgText, false) as
      { prettier?: unknown } | undefined;
    if (pkg && pkg.prettier !== undefined) {
      return typeof pkg.prettier === 'object'
        ? withDefaults(settingsForTypeScript(pkg.prettier), {
            configFile: 'package.json',
          })
        : withDefaults({}, { unreadConfig: 'package.json' });
    }
  }
  for (const name of [
    '.prettierrc',
    '.prettierrc.json',
    '.prettierrc.yaml',
    '.prettierrc.yml',
  ]) {
    const text = readText(path.join(root, name));
    if (text === undefined) continue;
    const config = parseConfig(text, name !== '.prettierrc.json');
    return config === undefined
      ? withDefaults({}, { unreadConfig: name })
      : withDefaults(settingsForTypeScript(config), { configFile: name });
  }
  const code = CODE_CONFIGS.find((name) =>
    fs.existsSync(path.join(root, name)),
  );
  return withDefaults({}, code ? { unreadConfig: code } : {});
}
