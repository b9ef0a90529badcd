'use client';
import type { PublishStatus } from '@publishgate/core/client';
import type { PublishGateLabels } from '../labels.js';

/** A request's status as text, styled by `data-status`. */
export function StatusBadge({ status, labels }: { status: PublishStatus; labels: PublishGateLabels }) {
  return (
    <span className="pg-badge" data-pg-status={status}>
      {labels.status[status]}
    </span>
  );
}
