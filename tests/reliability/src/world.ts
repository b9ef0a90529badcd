import {
  type GitHubEmulator,
  type GitHubEmulatorOptions,
  type GitLabEmulator,
  startGitLabEmulator,
} from '@publishgate/adapter-git/testing';
import { expect } from 'vitest';
import { EMULATED_SECOND_MS, EMULATOR_TOKEN, startCheckedEmulator } from './emulator.js';
import type { GateProcessConfig } from './gateProcessConfig.js';
import { createGitWorld, type GitWorld } from './repos.js';
import type { StoreLocation } from './stores.js';
import { startWebhookReceiver, WEBHOOK_SECRET, type WebhookReceiver } from './webhookReceiver.js';

/** What a gate in these tests talks to: real git repositories, the emulated GitHub on their remote, a webhook receiver. */
export type TestWorld = { world: GitWorld; emulator: GitHubEmulator; receiver: WebhookReceiver };

/**
 * Starts a {@link TestWorld} and registers every shutdown in `cleanups`. The emulator runs on scaled
 * wall-clock time unless `emulator` passes a `clock` (tests that assert on rate limits must).
 */
export async function startWorld(
  cleanups: Array<() => Promise<void>>,
  emulatorOptions: Pick<GitHubEmulatorOptions, 'clock' | 'onRateLimited'> = {},
): Promise<TestWorld> {
  const world = await createGitWorld();
  cleanups.push(world.cleanup);
  const emulator = await startCheckedEmulator(
    {
      token: EMULATOR_TOKEN,
      ...(emulatorOptions.clock ? { clock: emulatorOptions.clock } : { secondMs: EMULATED_SECOND_MS }),
      ...(emulatorOptions.onRateLimited ? { onRateLimited: emulatorOptions.onRateLimited } : {}),
      repositoryPath: world.remoteDir,
    },
    cleanups,
  );
  const receiver = await startWebhookReceiver();
  cleanups.push(receiver.close);
  return { world, emulator, receiver };
}

/** Where a gate process finds everything in `world` and `store`; the caller adds its task. */
export function gateProcessTargets({ world, emulator, receiver }: TestWorld, store: StoreLocation): Omit<GateProcessConfig, 'task'> {
  return {
    store: { backend: store.backend, location: store.location, tablePrefix: store.tablePrefix },
    git: { remoteUrl: world.remoteUrl, workspacesDir: world.workspacesDir },
    github: { url: emulator.url, owner: emulator.owner, repo: emulator.repo, token: EMULATOR_TOKEN, secondMs: EMULATED_SECOND_MS },
    webhook: { url: receiver.url, secret: WEBHOOK_SECRET },
  };
}

/** The git hosts a gate process can publish through. */
export type HostKind = 'github' | 'gitlab';

/** A pull request (GitHub) or merge request (GitLab), as the crash test compares them. */
export type OpenedChange = { number: number; head: string; headSha: string; state: 'open' | 'closed' };

/** A test world on either host, seen the same way: its pull (merge) requests and where a gate process finds it. */
export type HostWorld = {
  kind: HostKind;
  world: GitWorld;
  receiver: WebhookReceiver;
  /** Every pull (merge) request the emulator holds, in creation order. */
  changes(): OpenedChange[];
  /** Where a gate process finds everything in this world and `store`; the caller adds its task. */
  targets(store: StoreLocation): Omit<GateProcessConfig, 'task'>;
};

/** The GitLab token the GitLab emulator in this suite accepts. */
export const GITLAB_EMULATOR_TOKEN = 'glpat-reliabilitySuiteToken0000';

/**
 * Starts a {@link HostWorld}: the GitHub world of {@link startWorld}, or the same git world and
 * receiver with the GitLab emulator (project `acme/sites`) on its remote. Shutdowns go to `cleanups`;
 * either emulator's shutdown asserts that no exchange broke the host's API description.
 */
export async function startHostWorld(cleanups: Array<() => Promise<void>>, kind: HostKind): Promise<HostWorld> {
  if (kind === 'github') {
    const testWorld = await startWorld(cleanups);
    return {
      kind,
      world: testWorld.world,
      receiver: testWorld.receiver,
      changes: () =>
        testWorld.emulator.pulls().map((pull) => ({ number: pull.number, head: pull.head, headSha: pull.headSha, state: pull.state })),
      targets: (store) => gateProcessTargets(testWorld, store),
    };
  }
  const world = await createGitWorld();
  cleanups.push(world.cleanup);
  const emulator: GitLabEmulator = await startGitLabEmulator({
    token: GITLAB_EMULATOR_TOKEN,
    projectPath: 'acme/sites',
    repositoryPath: world.remoteDir,
  });
  cleanups.push(async () => {
    const violations = emulator.violations();
    await emulator.close();
    expect(violations).toEqual([]);
  });
  const receiver = await startWebhookReceiver();
  cleanups.push(receiver.close);
  return {
    kind,
    world,
    receiver,
    changes: () =>
      emulator.mergeRequests().map((mr) => ({
        number: mr.iid,
        head: mr.sourceBranch,
        headSha: mr.sha,
        state: mr.state === 'opened' ? 'open' : 'closed',
      })),
    targets: (store) => ({
      store: { backend: store.backend, location: store.location, tablePrefix: store.tablePrefix },
      git: { remoteUrl: world.remoteUrl, workspacesDir: world.workspacesDir },
      gitlab: { url: emulator.url, projectPath: emulator.projectPath, token: GITLAB_EMULATOR_TOKEN },
      webhook: { url: receiver.url, secret: WEBHOOK_SECRET },
    }),
  };
}
