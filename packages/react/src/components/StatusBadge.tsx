'use client';
import type { PublishRequest, PublishStatus } from '@publishgate/core/client';
import type { PublishGateLabels } from '../labels.js';

/** A request's status as text, styled by `data-status`. */
export function StatusBadge({ status, labels }: { status: PublishStatus; labels: PublishGateLabels }) {
  return (
    <span className="pg-badge" data-pg-status={status}>
      {labels.status[status]}
    </span>
  );
}

/** "Rollback" after a status when the request brings back an earlier version; nothing otherwise. */
export function RollbackBadge({ request, labels }: { request: Pick<PublishRequest, 'kind'>; labels: PublishGateLabels }) {
  if (request.kind !== 'rollback') return null;
  return (
    <>
      {' '}
      <span className="pg-badge" data-pg-kind="rollback">
        {labels.publishHistory.rollbackOf}
      </span>
    </>
  );
}
