/**
 * A portal server's submit, in its own process so a test can SIGKILL it mid-way: a gate on
 * in-memory storage (which dies with the process, like a request that was never stored) and this
 * adapter on a real workspace. Usage: `node --conditions=@publishgate/source --import tsx
 * submitChild.ts <workspaceDir> <remoteDir>`.
 */
import { createMemoryStorage, createPublishGate } from '@publishgate/core';
import { createSimpleGit } from '../../src/index.js';

const [workspaceDir, remoteDir] = process.argv.slice(2) as [string, string];
const gate = createPublishGate({
  storage: createMemoryStorage(),
  git: createSimpleGit({ resolveWorkspaceDir: () => workspaceDir, remote: `file://${remoteDir}`, baseBranch: 'main' }),
  gitHost: {
    openPullRequest: async () => ({ number: 1, url: 'https://github.example/acme/sites/pull/1', created: true }),
  },
});
await gate.requestPublish({
  workspace: { id: 'ws-crash', name: 'Crash site', blueprintId: 'bp-1', ownerId: 'builder-1' },
  subdomain: 'crash-site',
  actor: { id: 'builder-1', email: 'builder@example.com', roles: ['builder'] },
});
