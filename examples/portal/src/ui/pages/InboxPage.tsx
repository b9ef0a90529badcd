import type { Notification } from '@publishgate/core';
import { useEffect, useState } from 'react';
import { DateTime } from '../DateTime.js';
import { Page } from '../Page.js';
import { portalApi } from '../portalApi.js';
import { onLinkClick } from '../router.js';

const TITLES: Record<Notification['type'], string> = {
  'request.submitted': 'New publish request to review',
  'request.approved': 'Your publish request was approved',
  'request.rejected': 'Your publish request was rejected',
  'request.failed': 'A publish failed',
  'request.expired': 'A publish request expired',
  'request.withdrawn': 'A publish request was withdrawn',
  'request.merged': 'Your pull request was merged',
  'request.live': 'Your site is live',
  'request.closed': 'Your pull request was closed without merging',
  'request.deploy_failed': 'Your deployment failed',
  'request.reminder': 'A publish request is still waiting for your review',
  'trust.granted': 'You are trusted: your publishes are auto-approved',
  'trust.revoked': 'Your trust was revoked',
};

/**
 * The in-app inbox: what publishgate's notifier delivered to the signed-in user (a real portal would
 * send email or chat messages from the same `NotifierPort`).
 */
export function InboxPage() {
  const [items, setItems] = useState<Notification[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    portalApi.inbox().then(
      ({ items: list }) => setItems(list),
      (caught: Error) => setError(caught.message),
    );
  }, []);
  return (
    <Page
      title="Inbox"
      lead={<p className="muted">Notifications delivered by publishgate's notifier (the demo keeps them here instead of emailing).</p>}
    >
      {error ? (
        <p role="alert" className="error">
          {error}
        </p>
      ) : null}
      {items === null && !error ? <p>Loading…</p> : null}
      {items?.length === 0 ? <p>No notifications yet.</p> : null}
      {items && items.length > 0 ? (
        <ul className="card-list">
          {items.map((item) => {
            const subdomain = typeof item.data.subdomain === 'string' ? item.data.subdomain : undefined;
            const feedback = typeof item.data.feedback === 'string' ? item.data.feedback : undefined;
            return (
              <li key={item.id}>
                <strong>{TITLES[item.type] ?? item.type}</strong>
                {subdomain ? <> · {subdomain}</> : null} · <DateTime iso={item.occurredAt} />
                {feedback ? <p>Feedback: {feedback}</p> : null}
                {item.requestId ? (
                  <p>
                    <a href={`/requests/${encodeURIComponent(item.requestId)}`} onClick={onLinkClick}>
                      Open the request
                    </a>
                  </p>
                ) : null}
              </li>
            );
          })}
        </ul>
      ) : null}
    </Page>
  );
}
