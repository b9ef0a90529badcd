'use client';
import type { PublishRequest } from '@publishgate/core/client';
import type { PublishGateLabels } from '../labels.js';

/** How many approvals a request's rule needs: its own copy, or one for requests without a rule. */
export function requiredApprovals(request: PublishRequest): number {
  return request.rule?.requiredApprovals ?? 1;
}

/**
 * "1 of 2 approvals, approved by …" for a request whose rule asks for more than one approval;
 * nothing otherwise (a single approval is the decision itself).
 */
export function ApprovalCount({
  request,
  labels,
  compact = false,
}: {
  request: PublishRequest;
  labels: PublishGateLabels;
  compact?: boolean;
}) {
  const required = requiredApprovals(request);
  if (required <= 1) return null;
  const approvals = request.approvals ?? [];
  const text = labels.approvals;
  if (compact) {
    return (
      <span className="pg-muted" data-pg-approvals={`${approvals.length}/${required}`}>
        {text.count(approvals.length, required)}
        {approvals.length > 0 ? `, ${text.approvedBy(approvals.map((approval) => approval.by.email).join(', '))}` : ''}
      </span>
    );
  }
  return (
    <>
      <span data-pg-approvals={`${approvals.length}/${required}`}>{text.count(approvals.length, required)}</span>
      {approvals.length > 0 ? (
        <ul className="pg-approvals">
          {approvals.map((approval) => (
            <li key={approval.by.id} data-pg-approval={approval.by.id}>
              {text.by(approval.by.email, labels.common.formatDateTime(approval.at))}
              {approval.comment ? <span className="pg-prewrap pg-muted"> — {approval.comment}</span> : null}
            </li>
          ))}
        </ul>
      ) : null}
    </>
  );
}
