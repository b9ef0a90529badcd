'use client';
import type { PublishGateLabels } from '../labels.js';

/** A timestamp as `<time>`: machine-readable ISO in `dateTime`, the label's formatting as text. */
export function Time({ iso, labels }: { iso: string; labels: PublishGateLabels }) {
  return <time dateTime={iso}>{labels.common.formatDateTime(iso)}</time>;
}
