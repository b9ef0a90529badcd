import type { DeadLetter } from '@publishgate/core/client';
import { usePublishGateClient } from '@publishgate/react';
import { useCallback, useEffect, useId, useState } from 'react';
import { DateTime } from '../DateTime.js';
import { Page } from '../Page.js';
import { type CaughtMail, portalApi, type ReceivedWebhook } from '../portalApi.js';
import { usePortal } from '../portalContext.js';

// Deliveries arrive in the background (the outbox), so the list is re-read while the page is open.
const REFRESH_MS = 2_000;

/**
 * Admin › Webhooks (dev-only): what the demo's Standard Webhooks receiver got from publishgate's
 * `webhook` channel, each checked with the `standardwebhooks` library, and the dead letters of
 * every channel (`gate.listDeadLetters`), which an admin can redeliver.
 */
export function WebhooksPage() {
  const { user } = usePortal();
  if (!user.roles.includes('admin')) {
    return (
      <Page title="Webhooks">
        <p>Only admins see the notification channels. Sign in as Ada or Grace.</p>
      </Page>
    );
  }
  return (
    <Page
      title="Admin › Webhooks"
      lead={
        <p>
          publishgate notifies through three channels: the in-app <strong>Inbox</strong>, <strong>Standard Webhooks</strong> (signed POSTs)
          to a small receiver this demo serves on 127.0.0.1, and <strong>email</strong> to an SMTP server on 127.0.0.1 that keeps the
          messages. Each channel has its own outbox rows, retries and dead letters.
        </p>
      }
    >
      <ReceivedWebhooks />
      <DeadLetters />
    </Page>
  );
}

/** The webhook and email channels' deliveries, as the demo's own receivers got them. */
function ReceivedWebhooks() {
  const ids = useId();
  const [state, setState] = useState<{ receiver: string; items: ReceivedWebhook[]; mail: CaughtMail[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    const load = () =>
      portalApi.webhooks().then(
        (result) => {
          if (!live) return;
          setState(result);
          setError(null);
        },
        (caught: Error) => live && setError(caught.message),
      );
    void load();
    const timer = window.setInterval(load, REFRESH_MS);
    return () => {
      live = false;
      window.clearInterval(timer);
    };
  }, []);
  return (
    <>
      <section aria-labelledby={`${ids}-received`} className="panel">
        <h2 id={`${ids}-received`}>Received webhooks</h2>
        {state ? (
          <p className="muted">
            Receiver: <code>{state.receiver}</code> (dev-only; verifies each delivery with the <code>standardwebhooks</code> library)
          </p>
        ) : null}
        {error ? (
          <p role="alert" className="error">
            {error}
          </p>
        ) : null}
        {state === null && !error ? <p>Loading…</p> : null}
        {state?.items.length === 0 ? <p className="muted">Nothing received yet: submit or approve a publish request.</p> : null}
        {state && state.items.length > 0 ? (
          <table className="history">
            <caption className="pg-sr-only">Webhook deliveries received, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Event type</th>
                <th scope="col">Request</th>
                <th scope="col">Verified</th>
                <th scope="col">Received</th>
              </tr>
            </thead>
            <tbody>
              {state.items.map((item) => (
                <tr key={item.seq} data-webhook-id={item.webhookId ?? undefined}>
                  <td>
                    <code>{item.type ?? '(none)'}</code>
                    {item.subdomain ? <> · {item.subdomain}</> : null}
                  </td>
                  <td>
                    <code>
                      {item.method} {item.path}
                    </code>
                  </td>
                  <td>{item.verified ? 'Yes' : `No${item.reason ? ` (${item.reason})` : ''}`}</td>
                  <td>
                    <DateTime iso={item.receivedAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
      <section aria-labelledby={`${ids}-mail`} className="panel">
        <h2 id={`${ids}-mail`}>Caught email</h2>
        <p className="muted">What the email channel sent, as the demo's SMTP server on 127.0.0.1 received it (nobody is mailed).</p>
        {state?.mail.length === 0 ? <p className="muted">No email yet.</p> : null}
        {state && state.mail.length > 0 ? (
          <table className="history">
            <caption className="pg-sr-only">Email caught by the demo's SMTP server, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Subject</th>
                <th scope="col">To</th>
                <th scope="col">Received</th>
              </tr>
            </thead>
            <tbody>
              {state.mail.map((message) => (
                <tr key={message.seq}>
                  <td>{message.subject}</td>
                  <td>{message.to.join(', ')}</td>
                  <td>
                    <DateTime iso={message.receivedAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
    </>
  );
}

function DeadLetters() {
  const client = usePublishGateClient();
  const ids = useId();
  const [letters, setLetters] = useState<DeadLetter[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState('');
  const load = useCallback(
    (signal?: AbortSignal) =>
      client.listDeadLetters({ limit: 100 }, signal ? { signal } : {}).then(
        (list) => {
          if (signal?.aborted) return;
          setLetters(list);
          setError(null);
        },
        (caught: Error) => {
          if (!signal?.aborted) setError(caught.message);
        },
      ),
    [client],
  );
  useEffect(() => {
    const controller = new AbortController();
    void load(controller.signal);
    return () => controller.abort();
  }, [load]);
  const redeliver = async (letter: DeadLetter) => {
    setNotice('');
    try {
      await client.redeliver(letter.notification.id, letter.channel ? { channel: letter.channel } : {});
      setNotice(`Redelivering ${letter.notification.type} through ${letter.channel ?? 'every channel'}.`);
      await load();
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
    }
  };
  return (
    <section aria-labelledby={`${ids}-dead`} className="panel">
      <h2 id={`${ids}-dead`}>Dead letters</h2>
      <p className="muted">Notifications a channel gave up on after its retries; redelivering tries that channel alone again.</p>
      {error ? (
        <p role="alert" className="error">
          {error}
        </p>
      ) : null}
      {letters === null && !error ? <p>Loading…</p> : null}
      {letters?.length === 0 ? <p>No dead letters: every channel delivered.</p> : null}
      {letters && letters.length > 0 ? (
        <table className="history">
          <caption className="pg-sr-only">Dead letters, by channel</caption>
          <thead>
            <tr>
              <th scope="col">Channel</th>
              <th scope="col">Event type</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last error</th>
              <th scope="col">Given up</th>
              <th scope="col">
                <span className="pg-sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {letters.map((letter) => (
              <tr key={`${letter.notification.id}-${letter.channel ?? ''}`}>
                <td>{letter.channel ?? 'all'}</td>
                <td>
                  <code>{letter.notification.type}</code>
                </td>
                <td>{letter.attempts}</td>
                <td>{letter.lastError ?? ''}</td>
                <td>
                  <DateTime iso={letter.deadAt} />
                </td>
                <td>
                  <button
                    type="button"
                    aria-label={`Redeliver ${letter.notification.type} through ${letter.channel ?? 'every channel'}`}
                    onClick={() => void redeliver(letter)}
                  >
                    Redeliver
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <p role="status" className="status-line">
        {notice}
      </p>
    </section>
  );
}
