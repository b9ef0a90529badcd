import type { GitHubHostOptions } from '@publishgate/adapter-git';
import { type GitHubEmulator, type GitHubEmulatorOptions, startGitHubEmulator } from '@publishgate/adapter-git/testing';
import { expect } from 'vitest';

/** The token every emulator in this suite accepts. */
export const EMULATOR_TOKEN = 'ghp_reliabilitySuiteToken0000000000000000';
/** Real milliseconds per emulated GitHub second, so limits measured in minutes pass within a test. */
export const EMULATED_SECOND_MS = 10;

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

/** Options for `createGitHubHost` against `emulator`, on the emulator's clock (for `x-ratelimit-reset`). */
export function emulatedHostOptions(emulator: GitHubEmulator, overrides: Partial<GitHubHostOptions> = {}): GitHubHostOptions {
  return {
    auth: EMULATOR_TOKEN,
    owner: emulator.owner,
    repo: emulator.repo,
    baseUrl: emulator.url,
    baseBranch: 'main',
    clock: () => emulator.clock.now(),
    log: { warn: () => {} },
    ...overrides,
  } as GitHubHostOptions;
}
