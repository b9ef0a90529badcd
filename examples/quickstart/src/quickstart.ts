import { type Actor, createMemoryStorage, createPublishGate, type Workspace } from '@publishgate/core';
import { createFakeGit, createFakeGitHost, createRecordingNotifier } from '@publishgate/core/testing';

// In-memory stand-ins; in production use createKnexStorage, createSimpleGit and createGitHubHost.
const git = createFakeGit();
const gitHost = createFakeGitHost();
const notifier = createRecordingNotifier();
const gate = createPublishGate({ storage: createMemoryStorage(), git, gitHost, notifier });

// Your portal authenticates these people; publishgate only needs who they are and their roles.
const builder: Actor = { id: 'u-bob', email: 'bob@example.com', roles: ['builder'] };
const admin: Actor = { id: 'u-ada', email: 'ada@example.com', roles: ['admin'] };
const workspace: Workspace = { id: 'ws-1', name: 'Bike shop', blueprintId: 'bp-shop', ownerId: builder.id };

// 1. The builder edits their workspace and opens Publish: a diff, findings, a suggested subdomain.
git.write(workspace, 'index.html', '<h1>Bikes for everyone</h1>\n');
const preview = await gate.preview({ workspace, actor: builder });
console.log(
  'preview:',
  preview.diff.files.map((file) => `${file.status} ${file.path} +${file.additions}`),
  'suggested:',
  preview.suggestedSubdomain,
);

// 2. They pick a subdomain and submit: the workspace is committed, the request pins that commit.
console.log('check:', await gate.checkSubdomain({ subdomain: 'Bike-Shop', workspaceId: workspace.id }));
const request = await gate.requestPublish({ workspace, subdomain: 'bike-shop', actor: builder });
console.log('submitted:', request.status, request.sha.slice(0, 7));

// 3. An admin sees it in the queue and approves: the commit is pushed and a pull request opened.
const queue = await gate.listRequests({ actor: admin, status: 'pending' });
console.log(
  'queue:',
  queue.items.map((item) => `${item.workspace.name} · ${item.builder.email} · ${item.subdomain} · ${item.createdAt}`),
);
const approved = await gate.approve({ id: request.id, actor: admin, comment: 'Ship it' });
console.log('approved:', approved.status, approved.branch, approved.pullRequest?.url);

// 4. Notifications go out through the outbox (run sweep() on a timer in your server).
await gate.sweep();
console.log(
  'notified:',
  notifier.notifications.map((note) => `${note.type} → ${'email' in note.to ? note.to.email : 'role' in note.to ? 'admins' : 'approvers'}`),
);
