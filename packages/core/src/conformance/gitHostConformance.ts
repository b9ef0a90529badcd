import type { GitHostPort } from '@publishgate/core';
import { afterEach, describe, expect, it } from 'vitest';

/** A host adapter with a repository where the suite may push branches and read pull requests. */
export type GitHostHarness = {
  host: GitHostPort;
  /** Makes `branch` exist on the remote (pull requests need a head). */
  prepareBranch(branch: string): Promise<void>;
  /** Every pull request in the repository, open or closed. */
  listPullRequests(): Promise<Array<{ number: number; head: string; state: 'open' | 'closed' }>>;
  /**
   * Merges an open pull request on the host, as a maintainer would, and resolves with the commit the
   * base branch now points at. With {@link GitHostHarness.closePullRequest}, runs the `getPullRequest` cases.
   */
  mergePullRequest?(number: number): Promise<string>;
  /** Closes an open pull request on the host without merging it. */
  closePullRequest?(number: number): Promise<void>;
  /** Releases what the harness made. */
  cleanup?(): Promise<void>;
};

/** How to build the git-host adapter under test. */
export type GitHostConformanceOptions = {
  name: string;
  /** A fresh harness (an empty repository) per test. */
  create: () => Promise<GitHostHarness>;
  /** Per-test timeout in ms. Default 30,000. */
  timeoutMs?: number;
  /**
   * The host implements `getPullRequest` and the harness `mergePullRequest` and `closePullRequest`:
   * adds the polling cases (open, merged with its commit, closed unmerged). Default false.
   */
  polling?: boolean;
};

/**
 * The GitHostPort contract as a vitest suite: one open pull request per head branch, however many
 * times and however concurrently it is asked for.
 *
 * @example
 * ```ts
 * runGitHostConformance({ name: 'github emulator', create: () => makeEmulatorHarness() });
 * ```
 */
export function runGitHostConformance(options: GitHostConformanceOptions): void {
  const timeout = options.timeoutMs ?? 30_000;
  const harnesses: GitHostHarness[] = [];
  async function fresh() {
    const harness = await options.create();
    harnesses.push(harness);
    return harness;
  }
  const open = (host: GitHostPort, branch: string, requestId = 'req-1') =>
    host.openPullRequest({ branch, title: `Publish ${branch}`, body: `Request ${requestId}`, requestId });

  describe(`GitHostPort conformance: ${options.name}`, () => {
    afterEach(async () => {
      for (const harness of harnesses.splice(0)) await harness.cleanup?.();
    });

    it('openPullRequest opens a pull request from the branch and returns its number and url', { timeout }, async () => {
      const h = await fresh();
      await h.prepareBranch('publish/site-1');
      const result = await open(h.host, 'publish/site-1');
      expect(result.created).toBe(true);
      expect(result.number).toBeGreaterThan(0);
      expect(result.url).toMatch(/^https?:\/\//);
      expect(await h.listPullRequests()).toEqual([{ number: result.number, head: 'publish/site-1', state: 'open' }]);
    });

    it('opening again for the same branch returns the same pull request with created: false', { timeout }, async () => {
      const h = await fresh();
      await h.prepareBranch('publish/site-2');
      const first = await open(h.host, 'publish/site-2');
      const second = await open(h.host, 'publish/site-2');
      expect(second).toEqual({ ...first, created: false });
      expect(await h.listPullRequests()).toHaveLength(1);
    });

    it('different branches get different pull requests', { timeout }, async () => {
      const h = await fresh();
      await h.prepareBranch('publish/a');
      await h.prepareBranch('publish/b');
      const a = await open(h.host, 'publish/a', 'req-a');
      const b = await open(h.host, 'publish/b', 'req-b');
      expect(a.number).not.toBe(b.number);
      expect((await h.listPullRequests()).map((pull) => pull.head).sort()).toEqual(['publish/a', 'publish/b']);
    });

    it('concurrent opens for one branch leave exactly one pull request', { timeout }, async () => {
      const h = await fresh();
      await h.prepareBranch('publish/race');
      const results = await Promise.all(Array.from({ length: 5 }, () => open(h.host, 'publish/race')));
      expect(new Set(results.map((result) => result.number)).size).toBe(1);
      expect(results.filter((result) => result.created).length).toBeLessThanOrEqual(1);
      expect(await h.listPullRequests()).toHaveLength(1);
    });

    if (options.polling) {
      const polled = async (branch: string) => {
        const h = await fresh();
        if (!h.host.getPullRequest || !h.mergePullRequest || !h.closePullRequest) {
          throw new Error('polling: true needs host.getPullRequest and harness mergePullRequest and closePullRequest');
        }
        await h.prepareBranch(branch);
        const { number } = await open(h.host, branch);
        return { h, number, get: h.host.getPullRequest.bind(h.host) };
      };

      it('getPullRequest reports a pull request it opened as open and not merged', { timeout }, async () => {
        const { number, get } = await polled('publish/poll-open');
        expect(await get({ number })).toEqual({ state: 'open', merged: false });
      });

      it('getPullRequest reports a merged pull request as closed and merged, with the commit the base branch got', {
        timeout,
      }, async () => {
        const { h, number, get } = await polled('publish/poll-merged');
        const mergeSha = await h.mergePullRequest?.(number);
        expect(await get({ number })).toEqual({ state: 'closed', merged: true, mergeSha });
      });

      it('getPullRequest reports a pull request closed without merging as closed and not merged, without mergeSha', {
        timeout,
      }, async () => {
        const { h, number, get } = await polled('publish/poll-closed');
        await h.closePullRequest?.(number);
        expect(await get({ number })).toEqual({ state: 'closed', merged: false });
      });

      it('getPullRequest of a pull request that does not exist rejects with port_failed, not retryable', { timeout }, async () => {
        const { number, get } = await polled('publish/poll-missing');
        await expect(get({ number: number + 1000 })).rejects.toMatchObject({ code: 'port_failed', retryable: false });
      });
    }
  });
}
