import { createGitHubHost, type GitHubHostOptions } from '@publishgate/adapter-git';
import { type GitHubEmulator, type GitHubEmulatorOptions, startGitHubEmulator } from '@publishgate/adapter-git/testing';
import type { GitHostHarness } from '@publishgate/core/conformance';
import { afterEach, expect } from 'vitest';

export const TOKEN = 'ghp_emulatorTestToken000000000000000000000';

/** Emulator seconds last 10 ms, so a 60 s retry-after is 600 ms. */
export const SECOND_MS = 10;

/** Host options for `emulator`: its token and URL, its clock (for `x-ratelimit-reset`), warnings dropped. */
export function hostOptionsFor(emulator: GitHubEmulator, overrides: Partial<GitHubHostOptions> = {}): GitHubHostOptions {
  return {
    auth: TOKEN,
    owner: emulator.owner,
    repo: emulator.repo,
    baseUrl: emulator.url,
    clock: () => emulator.clock.now(),
    log: { warn: () => {} },
    ...overrides,
  } as GitHubHostOptions;
}

/** A conformance harness: the GitHub host on a fresh emulator that also checks every exchange against the OpenAPI description. */
export async function createHostHarness(
  emulatorOptions: GitHubEmulatorOptions = {},
  hostOverrides: Partial<GitHubHostOptions> = {},
): Promise<GitHostHarness & { emulator: GitHubEmulator }> {
  const emulator = await startGitHubEmulator({ token: TOKEN, secondMs: SECOND_MS, ...emulatorOptions });
  const host = createGitHubHost(hostOptionsFor(emulator, hostOverrides));
  return {
    emulator,
    host,
    async prepareBranch(branch) {
      emulator.setBranch(branch);
    },
    async listPullRequests() {
      return emulator.pulls().map((pull) => ({ number: pull.number, head: pull.head, state: pull.state }));
    },
    mergePullRequest: (number) => emulator.mergePullRequest(number),
    async closePullRequest(number) {
      await emulator.closePullRequest(number);
    },
    async cleanup() {
      const violations = emulator.violations();
      await emulator.close();
      expect(violations).toEqual([]);
    },
  };
}

/**
 * Starts emulators with the test token and closes them after each test of the calling file.
 * Call once at the top level of a test file; it returns the function that starts one.
 */
export function emulatorsClosedAfterEach(): (options?: GitHubEmulatorOptions) => Promise<GitHubEmulator> {
  const emulators: GitHubEmulator[] = [];
  afterEach(async () => {
    for (const emulator of emulators.splice(0)) await emulator.close();
  });
  return async (options = {}) => {
    const emulator = await startGitHubEmulator({ token: TOKEN, ...options });
    emulators.push(emulator);
    return emulator;
  };
}

/** A JSON call to the emulator's REST API with the test token. */
export function emulatorApi(emulator: { url: string }, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${emulator.url}${path}`, {
    ...init,
    headers: { authorization: `token ${TOKEN}`, 'content-type': 'application/json', ...init.headers },
  });
}
