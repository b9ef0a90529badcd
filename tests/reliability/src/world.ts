import type { GitHubEmulator, GitHubEmulatorOptions } from '@publishgate/adapter-git/testing';
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
