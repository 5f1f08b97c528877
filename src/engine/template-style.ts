/**
 * Template files in the target's own style. Templates are written the way
 * NanoClaw configures prettier (width 80, single quotes); a checkout with other
 * settings (width 120 in some) would fail its own `format:check` on them. So,
 * only there, the TypeScript templates under src/ (what that check covers) are
 * formatted with the target's own prettier and configuration before they are
 * planned; the dry-run diff shows exactly what will be written.
 */
import { createRequire } from 'node:module';
import path from 'node:path';

import {
  PRETTIER_DEFAULTS,
  readFormatOptions,
} from '../codemod/format-config.js';

/** The style the templates are written in. */
const TEMPLATE_STYLE = { ...PRETTIER_DEFAULTS, singleQuote: true };

interface Prettier {
  format(text: string, options: Record<string, unknown>): Promise<string>;
  resolveConfig(file: string): Promise<Record<string, unknown> | null>;
}

function targetPrettier(root: string): Prettier | undefined {
  try {
    return createRequire(path.join(root, 'package.json'))(
      'prettier',
    ) as Prettier;
  } catch {
    return undefined;
  }
}

function sameStyle(root: string): boolean {
  const { format } = readFormatOptions(root);
  return (Object.keys(TEMPLATE_STYLE) as (keyof typeof TEMPLATE_STYLE)[]).every(
    (key) => format[key] === TEMPLATE_STYLE[key],
  );
}

/**
 * The templates to restyle and their text in the target's style, by path. Empty
 * when the target styles code as the templates are written, or has no prettier.
 */
export async function templatesInTargetStyle(
  root: string,
  files: { path: string; text: string }[],
): Promise<Map<string, string>> {
  const styled = new Map<string, string>();
  const checked = files.filter(
    (file) => file.path.startsWith('src/') && file.path.endsWith('.ts'),
  );
  if (!checked.length || sameStyle(root)) return styled;
  const prettier = targetPrettier(root);
  if (!prettier) return styled;
  for (const file of checked) {
    const filepath = path.join(root, file.path);
    const config = (await prettier.resolveConfig(filepath)) ?? {};
    styled.set(
      file.path,
      await prettier.format(file.text, { ...config, filepath }),
    );
  }
  return styled;
}
