// Part of `check:package`: a published package must not pin what it installs into a host app.
// An exact version ("4.6.7") or `workspace:*` (published as an exact version) in `dependencies` or
// `peerDependencies` makes every host that already has a compatible release install a second copy
// (two zod or xstate instances break `instanceof` and double the bundle). Ranges only.
import { readFileSync } from 'node:fs';
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
if (problems.length > 0) {
  console.error(`${manifest.name}:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
