import { type GitHubEmulator, type GitHubEmulatorOptions, startGitHubEmulator } from '@publishgate/adapter-git/testing';
import { expect } from 'vitest';

/**
 * Starts the GitHub emulator and registers its shutdown in `cleanups`; the shutdown also asserts
 * that no request or response broke GitHub's OpenAPI description during the test.
 */
export async function startCheckedEmulator(options: GitHubEmulatorOptions, cleanups: Array<() => Promise<void>>): Promise<GitHubEmulator> {
  const emulator = await startGitHubEmulator(options);
  cleanups.push(async () => {
    const violations = emulator.violations();
    await emulator.close();
    expect(violations).toEqual([]);
  });
  return emulator;
}
