import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { driveLive, drivePure } from '../src/driveMachine';

describe('examples/machine', () => {
  it('pure transitions walk submit → refusal → approve → fail → retry → approved', () => {
    const steps = drivePure();
    expect(steps.map((step) => `${step.from}→${step.to}`)).toEqual([
      'draft→pending',
      'pending→pending',
      'pending→approving',
      'approving→failed',
      'failed→approving',
      'approving→approved',
    ]);
    expect(steps[1]?.effects[0]).toContain('refuse');
    expect(steps[1]?.effects[0]).toContain('forbidden');
    expect(steps[5]?.effects).toContain('notify {"type":"request.approved","to":"builder"}');
  });

  it('a live actor with a provided publish effect ends approved with the pull request', async () => {
    expect(await driveLive()).toEqual({ status: 'approved', pullRequest: 'https://github.example/acme/sites/pull/8' });
  });

  it('the script prints each transition', async () => {
    const exampleDir = join(dirname(fileURLToPath(import.meta.url)), '..');
    const tsx = join(exampleDir, '..', '..', 'node_modules', '.bin', 'tsx');
    const { stdout } = await promisify(execFile)(tsx, ['--conditions=@publishgate/source', 'src/driveMachine.ts'], {
      cwd: exampleDir,
      timeout: 60_000,
    });
    expect(stdout).toMatch(/review\.approve\s+pending\s+→ approving/);
    expect(stdout).toContain('live actor: {"status":"approved"');
  });
});
