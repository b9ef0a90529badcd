import { useLabels } from '@publishgate/react';

/**
 * A timestamp formatted exactly like publishgate's components format theirs (the queue, the
 * review), so the portal's own pages never show a second date style next to them.
 */
export function DateTime({ iso }: { iso: string }) {
  const labels = useLabels();
  return <time dateTime={iso}>{labels.common.formatDateTime(iso)}</time>;
}
