import {
  type Actor,
  createFetchHandler,
  createMemoryStorage,
  createPublishGate,
  type FetchHandler,
  type PublishGate,
  type Workspace,
} from '@publishgate/core';
import { createFakeGit, createFakeGitHost, createRecordingNotifier } from '@publishgate/core/testing';

// The host side every framework test mounts: no test runner here, so the Next.js app can import it too.

export const BASE_PATH = '/api/publishgate';

export const admin: Actor = { id: 'admin-1', email: 'ada@example.com', roles: ['admin'] };
export const builder: Actor = { id: 'builder-1', email: 'bob@example.com', roles: ['builder'] };
export const workspace: Workspace = { id: 'ws-bob', name: "Bob's shop", blueprintId: 'bp-shop', ownerId: builder.id };
const actors = new Map([admin, builder].map((actor) => [actor.id, actor]));

/** A gate on the memory storage and fakes, and its fetch handler; bearer tokens are user ids. */
export function createTestHandler(): { gate: PublishGate; handler: FetchHandler } {
  const git = createFakeGit();
  git.write(workspace, 'index.html', '<h1>Bob sells bikes</h1>\n');
  const gate = createPublishGate({
    storage: createMemoryStorage(),
    git,
    gitHost: createFakeGitHost({ branchExists: (branch) => git.remoteBranch(branch) !== undefined }),
    notifier: createRecordingNotifier(),
  });
  const handler = createFetchHandler(gate, {
    basePath: BASE_PATH,
    authenticate: (request) => actors.get(/^Bearer (\S+)$/.exec(request.headers.get('authorization') ?? '')?.[1] ?? '') ?? null,
    resolveWorkspace: (id, actor) =>
      id === workspace.id && (actor.id === workspace.ownerId || actor.roles.includes('admin')) ? workspace : null,
    // Deliveries come from change wake-ups; a poll would only add noise.
    events: { pollMs: 60_000 },
  });
  return { gate, handler };
}
