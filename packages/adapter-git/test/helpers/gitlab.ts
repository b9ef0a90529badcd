import { type GitLabEmulator, type GitLabEmulatorOptions, startGitLabEmulator } from '@publishgate/adapter-git/testing';
import { afterEach, expect } from 'vitest';

export const GITLAB_TOKEN = 'glpat-emulatorTestToken0000000000';

/**
 * Starts GitLab emulators with the test token and closes them after each test of the calling file.
 * Call once at the top level of a test file; it returns the function that starts one.
 */
export function gitLabEmulatorsClosedAfterEach(): (options?: GitLabEmulatorOptions) => Promise<GitLabEmulator> {
  const emulators: GitLabEmulator[] = [];
  afterEach(async () => {
    for (const emulator of emulators.splice(0)) {
      const violations = emulator.violations();
      await emulator.close();
      expect(violations).toEqual([]);
    }
  });
  return async (options = {}) => {
    const emulator = await startGitLabEmulator({ token: GITLAB_TOKEN, ...options });
    emulators.push(emulator);
    return emulator;
  };
}

/** A call to the emulator's REST API (path after `/api/v4`) with the test token. */
export function gitLabApi(emulator: { url: string }, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${emulator.url}/api/v4${path}`, {
    ...init,
    headers: { 'private-token': GITLAB_TOKEN, 'content-type': 'application/json', ...init.headers },
  });
}
