import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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
