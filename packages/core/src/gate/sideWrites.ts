import type { DecidedChange } from '../lifecycle/decide.js';
import { type NotifyParams, type PublishRequestEvent, ruleOf } from '../lifecycle/machine.js';
import type { SideWrites } from '../ports/storage.js';
import type { AuditActor, AuditEntryInput, Notification, PublishRequest, PublishStatus, Recipient } from '../schemas/domain.js';

/** What {@link requestSideWrites} needs besides the change itself. */
export type SideWriteSettings = {
  ids: () => string;
  baseDomain: string | undefined;
  requestUrl: ((request: PublishRequest) => string) | undefined;
};

/** One decided change of a request: where it came from, what it became, and why. */
export type RequestChange = {
  /** The stored status before, or undefined for a new request. */
  from: PublishStatus | undefined;
  /** The request as it will be stored. */
  request: PublishRequest;
  event: PublishRequestEvent;
  decision: Pick<DecidedChange, 'records' | 'notifications'>;
};

/**
 * The audit entries and outbox notifications a change writes with it: one per `record` and
 * `notify` action the machine declared, in order. Pure; the caller stores them in the same
 * atomic write as the request.
 */
export function requestSideWrites(settings: SideWriteSettings, change: RequestChange): SideWrites {
  const { request, event, decision, from } = change;
  const link = settings.requestUrl?.(request);
  const audit = decision.records.map(
    (record): AuditEntryInput => ({
      id: settings.ids(),
      type: record.type,
      at: request.updatedAt,
      actor: auditActor(event, request, record.type),
      // Whom the entry concerns: the workspace's owner, who sees it even when an admin made the request (a rollback).
      builderId: request.workspace.ownerId,
      requestId: request.id,
      workspaceId: request.workspace.id,
      blueprintId: request.workspace.blueprintId,
      ...(from === undefined ? {} : { fromStatus: from }),
      toStatus: request.status,
      data: {
        ...auditData(request),
        ...(record.type === 'request.approval_added' ? lastApprovalData(request) : {}),
        ...(record.type === 'request.reminder' && request.reminder ? { reminders: request.reminder.count } : {}),
        ...record.data,
      },
    }),
  );
  const outbox = decision.notifications.map(
    (notification): Notification => ({
      id: settings.ids(),
      type: notification.type,
      requestId: request.id,
      occurredAt: request.updatedAt,
      to: recipientOf(notification.to, request),
      data: { ...notificationData(request, settings.baseDomain, link), ...notification.data },
    }),
  );
  return { audit, outbox };
}

function recipientOf(to: NotifyParams['to'], request: PublishRequest): Recipient {
  if (to === 'builder') return { userId: request.builder.id, email: request.builder.email };
  // The rule the request copied at submission: the people who can act on it.
  if (to === 'approvers') return { approvers: ruleOf(request).approvers.map((approver) => ({ ...approver })) };
  return { role: 'admin' };
}

// Who an entry names: the person who sent the command; trust for a trusted auto-approval; the
// system for deadlines and publish outcomes, which nobody sends.
function auditActor(event: PublishRequestEvent, request: PublishRequest, type: AuditEntryInput['type']): AuditActor {
  if (!('actor' in event)) return { system: true };
  if (type === 'request.approving' && request.decision?.by && 'trust' in request.decision.by) return { trust: true };
  return { id: event.actor.id, email: event.actor.email };
}

// An approval that did not meet the rule has no decision yet; its comment is on the approval.
function lastApprovalData(request: PublishRequest): Record<string, unknown> {
  const last = request.approvals?.at(-1);
  return last?.comment ? { comment: last.comment } : {};
}

function auditData(request: PublishRequest): Record<string, unknown> {
  const { decision } = request;
  return {
    version: request.version,
    subdomain: request.subdomain,
    sha: request.sha,
    workspaceName: request.workspace.name,
    builderEmail: request.builder.email,
    ...(request.kind === 'rollback' ? { kind: 'rollback', rollbackOf: request.rollbackOf } : {}),
    ...(decision?.feedback ? { feedback: decision.feedback } : {}),
    ...(decision?.comment ? { comment: decision.comment } : {}),
    ...(request.branch ? { branch: request.branch } : {}),
    ...(request.pullRequest ? { pullRequest: request.pullRequest } : {}),
    ...(request.error ? { error: request.error } : {}),
    ...(request.progress ? { progress: request.progress } : {}),
    ...(request.approvals?.length ? { approvals: request.approvals.length, requiredApprovals: request.rule?.requiredApprovals ?? 1 } : {}),
    ...(request.delivery ? { delivery: request.delivery } : {}),
  };
}

function notificationData(request: PublishRequest, baseDomain: string | undefined, link: string | undefined): Record<string, unknown> {
  return {
    requestId: request.id,
    status: request.status,
    workspaceId: request.workspace.id,
    workspaceName: request.workspace.name,
    blueprintId: request.workspace.blueprintId,
    builderEmail: request.builder.email,
    subdomain: request.subdomain,
    // A reviewer must know a request brings back an earlier version, not new work.
    ...(request.kind === 'rollback' ? { kind: 'rollback', rollbackOf: request.rollbackOf } : {}),
    additions: request.diff.additions,
    deletions: request.diff.deletions,
    files: request.diff.files.length,
    findings: request.findings.length,
    ...(baseDomain ? { url: `https://${request.subdomain}.${baseDomain}` } : {}),
    ...(request.decision?.feedback ? { feedback: request.decision.feedback } : {}),
    ...(request.pullRequest ? { pullRequestUrl: request.pullRequest.url } : {}),
    ...(request.error ? { error: request.error.message } : {}),
    ...(link ? { requestUrl: link } : {}),
    ...(request.delivery ? { deliveryState: request.delivery.state } : {}),
    ...(request.delivery?.deploymentUrl ? { deploymentUrl: request.delivery.deploymentUrl } : {}),
    // A reminder says how long the request has waited and how many reminders came before.
    ...(request.status === 'pending' && request.reminder ? { reminders: request.reminder.count, pendingSince: request.createdAt } : {}),
    ...(request.status === 'pending' && request.approvals?.length
      ? { approvals: request.approvals.length, requiredApprovals: request.rule?.requiredApprovals ?? 1 }
      : {}),
  };
}
