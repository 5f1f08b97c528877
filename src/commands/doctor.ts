import fs from 'node:fs';
import path from 'node:path';

import { loadSkillHooks } from '../engine/hooks-loader.js';
import type { SkillManifest } from '../engine/manifest.js';
import type { DoctorCheck } from '../engine/skill-hooks.js';
import { inspectContext, inspectSkill } from './status.js';

export interface Finding {
  check: string;
  ok: boolean;
  /** What a passing check measured, e.g. the live check's model and latency. */
  detail?: string;
  problem?: string;
  fix?: string;
}

function check(
  name: string,
  problem: string | undefined,
  fix: string,
): Finding {
  return problem
    ? { check: name, ok: false, problem, fix }
    : { check: name, ok: true };
}

/** A skill's check as the findings list shows it. */
function finding({ check: name, problem, fix, detail }: DoctorCheck): Finding {
  if (problem) return { check: name, ok: false, problem, fix };
  return detail ? { check: name, ok: true, detail } : { check: name, ok: true };
}

/** Each local package of the skill is installed and built. */
function buildChecks(root: string, manifest: SkillManifest): Finding[] {
  return manifest.packages.map((pkg) => {
    const name = path.basename(pkg);
    return check(
      `${name} installed and built`,
      !fs.existsSync(path.join(root, 'node_modules', name))
        ? `node_modules/${name} is missing`
        : !fs.existsSync(path.join(root, pkg, 'dist', 'index.js'))
          ? `${pkg}/dist/index.js is missing`
          : undefined,
      `npm install ./${pkg} && npm --prefix ${pkg} run build`,
    );
  });
}

/**
 * The engine's checks (the skill's edits, then once applied its packages)
 * with the skill's own troubleshooting list, each printing its fix.
 */
export async function runDoctor(
  root: string,
  manifest: SkillManifest,
  options: { live?: boolean } = {},
): Promise<Finding[]> {
  const status = await inspectSkill(root, manifest);
  const hooks = await loadSkillHooks(manifest.name);
  const bad = status.edits.filter((edit) => edit.state !== 'applied');
  const skillChecks = hooks.doctor
    ? await hooks.doctor({
        ...inspectContext(root, manifest, status.applied),
        live: Boolean(options.live),
      })
    : [];
  const edits = status.applied
    ? check(
        'Skill edits',
        bad.length > 0
          ? `${bad.length} edit(s) missing or drifted: ${bad.map((e) => `${e.codemod} in ${e.file}`).join(', ')}`
          : undefined,
        `apply-skill ${manifest.name} --target ${root}`,
      )
    : // Nothing of the skill is there to be wrong: say so rather than "passed".
      {
        check: 'Skill edits',
        ok: true,
        detail: `${manifest.name} is not applied here (apply-skill ${manifest.name} --target ${root} applies it)`,
      };
  return [
    edits,
    ...skillChecks.filter((item) => !item.afterBuild).map(finding),
    ...(status.applied ? buildChecks(root, manifest) : []),
    ...skillChecks.filter((item) => item.afterBuild).map(finding),
  ];
}
