import { Gitlab } from '@gitbeaker/rest';
import { createGitLabHost, type GitLabHostOptions } from '@publishgate/adapter-git';
import { type GitLabEmulator, type GitLabEmulatorOptions, startGitLabEmulator } from '@publishgate/adapter-git/testing';
import { PublishGateError } from '@publishgate/core';
import type { GitHostHarness } from '@publishgate/core/conformance';
import { afterEach, expect } from 'vitest';

export const GITLAB_TOKEN = 'glpat-emulatorTestToken0000000000';

/** How the host reaches GitLab: its own single-shot requester (`token`) or a gitbeaker `Gitlab` instance. */
export type GitLabConnection = 'token' | 'gitlab';

/** Host options for an emulator, over the given connection. */
export function gitLabHostOptions(
  emulator: GitLabEmulator,
  connection: GitLabConnection = 'token',
  overrides: Partial<GitLabHostOptions> = {},
): GitLabHostOptions {
  const reach =
    connection === 'token'
      ? { token: GITLAB_TOKEN, host: emulator.url }
      : { gitlab: new Gitlab({ token: GITLAB_TOKEN, host: emulator.url }) };
  return { ...reach, projectPath: emulator.projectPath, ...overrides } as GitLabHostOptions;
}

/** A conformance harness: the GitLab host on a fresh emulator, which must see no undocumented requests. */
export async function createGitLabHarness(
  connection: GitLabConnection,
  emulatorOptions: GitLabEmulatorOptions = {},
): Promise<GitHostHarness & { emulator: GitLabEmulator }> {
  const emulator = await startGitLabEmulator({ token: GITLAB_TOKEN, ...emulatorOptions });
  return {
    emulator,
    host: createGitLabHost(gitLabHostOptions(emulator, connection)),
    async prepareBranch(branch) {
      emulator.setBranch(branch);
    },
    async listPullRequests() {
      return emulator
        .mergeRequests()
        .map((mr) => ({ number: mr.iid, head: mr.sourceBranch, state: mr.state === 'opened' ? 'open' : 'closed' }));
    },
    mergePullRequest: (number) => emulator.mergeMergeRequest(number),
    async closePullRequest(number) {
      emulator.closeMergeRequest(number);
    },
    async cleanup() {
      const violations = emulator.violations();
      await emulator.close();
      expect(violations).toEqual([]);
    },
  };
}

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

/** The PublishGateError `promise` rejects with; anything else (or no rejection) fails the test. */
export async function failure(promise: Promise<unknown>): Promise<PublishGateError> {
  try {
    await promise;
  } catch (error) {
    if (PublishGateError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}
