import type { ApprovalRule, AuditEntryInput, Notification, PublishRequest, TrustGrant, Workspace } from '@publishgate/core';

let sequence = 0;
const next = () => {
  sequence += 1;
  return sequence;
};

/** A base instant for fixtures; `at(n)` is n seconds after it. */
export const FIXTURE_EPOCH = Date.parse('2026-01-01T00:00:00.000Z');

/** The ISO timestamp `seconds` after {@link FIXTURE_EPOCH}. */
export function at(seconds: number): string {
  return new Date(FIXTURE_EPOCH + seconds * 1000).toISOString();
}

/** A 40-hex commit id derived from `n`, for fixtures that never reach git. */
export function fakeSha(n: number): string {
  return n.toString(16).padStart(40, 'a').slice(-40);
}

/** A workspace with unique ids unless overridden. */
export function workspaceFixture(overrides: Partial<Workspace> = {}): Workspace {
  const n = next();
  return { id: `ws-${n}`, name: `Workspace ${n}`, blueprintId: 'bp-1', ownerId: `user-${n}`, ...overrides };
}

/** A valid pending request (version 1) with unique ids unless overridden. */
export function requestFixture(overrides: Partial<PublishRequest> = {}): PublishRequest {
  const n = next();
  const workspace = overrides.workspace ?? workspaceFixture();
  const createdAt = overrides.createdAt ?? at(n);
  return {
    id: `req-${n}`,
    version: 1,
    status: 'pending',
    workspace,
    builder: { id: workspace.ownerId, email: `${workspace.ownerId}@example.com` },
    subdomain: `site-${n}`,
    sha: fakeSha(n),
    baseline: { kind: 'blueprint' },
    diff: {
      files: [{ path: 'index.html', status: 'modified', additions: 1, deletions: 1, binary: false }],
      additions: 1,
      deletions: 1,
      patch: 'diff --git a/index.html b/index.html\n--- a/index.html\n+++ b/index.html\n@@ -1 +1 @@\n-<h1>Hello</h1>\n+<h1>Hi</h1>\n',
      truncated: false,
    },
    findings: [],
    createdAt,
    updatedAt: createdAt,
    ...overrides,
  };
}

/** An audit entry about `request` (or a free-standing one). */
export function auditFixture(request?: PublishRequest, overrides: Partial<AuditEntryInput> = {}): AuditEntryInput {
  const n = next();
  return {
    id: `audit-${n}`,
    type: 'request.submitted',
    at: request?.updatedAt ?? at(n),
    actor: request ? { id: request.builder.id, email: request.builder.email } : { system: true },
    ...(request
      ? {
          builderId: request.builder.id,
          requestId: request.id,
          workspaceId: request.workspace.id,
          blueprintId: request.workspace.blueprintId,
          toStatus: request.status,
        }
      : {}),
    data: { n },
    ...overrides,
  };
}

/** A notification for the admins (or overridden recipient). */
export function notificationFixture(overrides: Partial<Notification> = {}): Notification {
  const n = next();
  return { id: `note-${n}`, type: 'request.submitted', occurredAt: at(n), to: { role: 'admin' }, data: { n }, ...overrides };
}

/** Who the gate addresses each notification type to (the rest go to the builder). */
const ADMIN_NOTIFICATIONS: ReadonlySet<string> = new Set(['request.submitted', 'request.failed', 'request.withdrawn']);

/**
 * A notification of `type` shaped as the gate sends it: addressed to admins or the builder as
 * the lifecycle does, with the data fields of that event (request summary, feedback, pull
 * request link, error; or the grant for trust events). For notifier tests that cover every
 * event type; `data` overrides fields. Unknown types are accepted, as a newer core may send them.
 *
 * @example
 * ```ts
 * for (const type of publishEventTypeSchema.options) await notifier.notify(notificationExample(type));
 * ```
 */
export function notificationExample(type: string, data: Record<string, unknown> = {}): Notification {
  const trust = type.startsWith('trust.');
  const base: Record<string, unknown> = trust
    ? {
        blueprintId: 'bp-shop',
        grantedBy: 'ada@example.com',
        ...(type === 'trust.granted' ? { expiresAt: '2026-09-01T00:00:00.000Z' } : {}),
      }
    : {
        requestId: 'req-1',
        workspaceId: 'ws-bob',
        workspaceName: "Bob's shop",
        blueprintId: 'bp-shop',
        builderEmail: 'bob@example.com',
        subdomain: 'shop',
        additions: 10,
        deletions: 2,
        files: 3,
        findings: 2,
        url: 'https://shop.apps.example/',
        requestUrl: 'https://portal.example/requests/req-1',
        ...(type === 'request.approved' || type === 'request.merged' ? { pullRequestUrl: 'https://github.example/acme/apps/pull/7' } : {}),
        ...(type === 'request.live' ? { deliveryState: 'live', deploymentUrl: 'https://shop.apps.example/' } : {}),
        ...(type === 'request.rejected' ? { feedback: 'Please remove the debug page.' } : {}),
        ...(type === 'request.failed' ? { error: 'push refused by the remote' } : {}),
        ...(type === 'request.reminder'
          ? { reminders: 2, pendingSince: '2026-02-27T09:00:00.000Z', approvals: 1, requiredApprovals: 2 }
          : {}),
      };
  return {
    id: `note-${type}`,
    type: type as Notification['type'],
    ...(trust ? {} : { requestId: 'req-1' }),
    occurredAt: '2026-03-01T09:00:00.000Z',
    to:
      type === 'request.reminder'
        ? { approvers: [{ role: 'admin' }, { userId: 'reviewer-1' }] }
        : ADMIN_NOTIFICATIONS.has(type)
          ? { role: 'admin' }
          : { userId: 'builder-1', email: 'bob@example.com' },
    data: { ...base, ...data },
  };
}

/** A trust grant for a user on a blueprint. */
export function trustFixture(overrides: Partial<TrustGrant> = {}): TrustGrant {
  const n = next();
  return {
    blueprintId: 'bp-1',
    userId: `user-${n}`,
    email: `user-${n}@example.com`,
    grantedBy: { id: 'admin-1', email: 'admin@example.com' },
    grantedAt: at(n),
    ...overrides,
  };
}

/** An approval rule for blueprint `bp-1`: two approvals among the admins and one named user. */
export function approvalRuleFixture(overrides: Partial<ApprovalRule> = {}): ApprovalRule {
  const n = next();
  return {
    blueprintId: 'bp-1',
    requiredApprovals: 2,
    approvers: [{ role: 'admin' }, { userId: `user-${n}` }],
    updatedBy: { id: 'admin-1', email: 'admin@example.com' },
    updatedAt: at(n),
    ...overrides,
  };
}

/** `request` moved to `status` with the version bumped, as the gate would store it. */
export function advance(request: PublishRequest, status: PublishRequest['status'], patch: Partial<PublishRequest> = {}): PublishRequest {
  return { ...request, ...patch, status, version: request.version + 1, updatedAt: patch.updatedAt ?? request.updatedAt };
}
