import type { AuditEntry } from '@publishgate/core/client';
import { usePublishGateClient } from '@publishgate/react';
import { useEffect, useId, useState } from 'react';
import { DateTime } from '../DateTime.js';
import { onLinkClick } from '../router.js';

const SHOWN = 30;
const MAX_PAGES = 20;

const LABELS: Record<AuditEntry['type'], string> = {
  'request.submitted': 'Submitted',
  'request.approving': 'Approved, publishing',
  'request.approved': 'Published',
  'request.rejected': 'Rejected',
  'request.withdrawn': 'Withdrawn',
  'request.expired': 'Expired',
  'request.failed': 'Publish failed',
  'request.retried': 'Retried',
  'request.progress': 'Publish progress',
  'request.merged': 'Merged',
  'request.live': 'Live',
  'request.closed': 'Closed without merging',
  'request.deploy_failed': 'Deployment failed',
  'request.reminder': 'Approvers reminded',
  'trust.granted': 'Trust granted',
  'trust.revoked': 'Trust revoked',
  'request.approval_added': 'Approval added',
  'approval_rule.changed': 'Approval rule changed',
};

function who(actor: AuditEntry['actor']): string {
  if ('trust' in actor) return 'trust (auto-approved)';
  if ('system' in actor) return 'publishgate';
  return actor.email;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The latest audit entries, newest first, updated live from publishgate's event stream. */
export function HistoryList() {
  const client = usePublishGateClient();
  const ids = useId();
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    const load = async () => {
      const all: AuditEntry[] = [];
      let afterSeq: number | undefined;
      for (let page = 0; page < MAX_PAGES; page += 1) {
        const result = await client.history(afterSeq === undefined ? { limit: 100 } : { limit: 100, afterSeq }, {
          signal: controller.signal,
        });
        all.push(...result.items);
        if (result.nextAfterSeq === null) break;
        afterSeq = result.nextAfterSeq;
      }
      return all;
    };
    let stop: (() => void) | undefined;
    load().then(
      (all) => {
        if (controller.signal.aborted) return;
        setEntries(all.slice(-SHOWN).reverse());
        // Resume from the last entry read, so nothing between the load and the stream is missed.
        const last = all.at(-1)?.seq ?? 0;
        stop = client.subscribe(
          (entry) =>
            setEntries((current) =>
              current?.some((seen) => seen.seq === entry.seq) ? current : [entry, ...(current ?? [])].slice(0, SHOWN),
            ),
          { lastEventId: String(last) },
        );
      },
      (caught: Error) => {
        if (!controller.signal.aborted) setError(caught.message);
      },
    );
    return () => {
      controller.abort();
      stop?.();
    };
  }, [client]);

  return (
    <section aria-labelledby={`${ids}-history`} className="panel">
      <h2 id={`${ids}-history`}>History</h2>
      {error ? (
        <p role="alert" className="error">
          {error}
        </p>
      ) : null}
      {entries === null && !error ? <p>Loading…</p> : null}
      {entries?.length === 0 ? <p className="muted">Nothing has happened yet.</p> : null}
      {entries && entries.length > 0 ? (
        <table className="history">
          <caption className="pg-sr-only">Latest {SHOWN} audit entries, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Event</th>
              <th scope="col">By</th>
              <th scope="col">Workspace</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((entry) => (
              <tr key={entry.seq} data-audit-type={entry.type}>
                <td>
                  <DateTime iso={entry.at} />
                </td>
                <td>{LABELS[entry.type] ?? entry.type}</td>
                <td>{who(entry.actor)}</td>
                <td>
                  {entry.requestId ? (
                    <a href={`/requests/${encodeURIComponent(entry.requestId)}`} onClick={onLinkClick}>
                      {text(entry.data.workspaceName) ?? entry.workspaceId}
                    </a>
                  ) : (
                    (text(entry.data.email) ?? '')
                  )}
                </td>
                <td>
                  {[
                    text(entry.data.subdomain),
                    text(entry.data.feedback) ? `feedback: “${text(entry.data.feedback)}”` : undefined,
                    text(entry.data.comment) ? `comment: “${text(entry.data.comment)}”` : undefined,
                    text(entry.data.branch) ? `branch ${text(entry.data.branch)}` : undefined,
                    entry.type === 'request.progress' ? text((entry.data.progress as { step?: unknown } | undefined)?.step) : undefined,
                  ]
                    .filter((part) => part !== undefined)
                    .join(' · ')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
