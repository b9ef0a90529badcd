// Part of `check:package`: what a published package.json must get right beyond publint and attw.
// - Ranges, not pins: an exact version ("4.6.7") or `workspace:*` (published as an exact version) in
//   `dependencies` or `peerDependencies` makes every host app that already has a compatible release
//   install a second copy (two zod or xstate instances break `instanceof` and double the bundle).
// - A README next to package.json: it is the package's npm page, which is empty without one.
import { existsSync, readFileSync } from 'node:fs';
import process from 'node:process';

const manifest = JSON.parse(readFileSync('package.json', 'utf8'));
const exact = /^=?v?\d+\.\d+\.\d+(?:[-+][\w.+-]*)?$/;
const problems = [];
for (const field of ['dependencies', 'peerDependencies']) {
  for (const [name, spec] of Object.entries(manifest[field] ?? {})) {
    const pinned = spec.startsWith('workspace:')
      ? spec !== 'workspace:^'
      : spec.split('||').some((alternative) => exact.test(alternative.trim()));
    if (pinned) problems.push(`${field}.${name} is pinned to "${spec}"; use a caret range (^x.y.z, or workspace:^ inside the repository)`);
  }
}
if (!existsSync('README.md')) problems.push('README.md is missing: the npm page would be empty');
if (problems.length > 0) {
  console.error(`${manifest.name}:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
