'use client';
import type { TrustView } from '@publishgate/core/client';
import { type FormEvent, useEffect, useId, useMemo, useState } from 'react';
import { useTrustedUsers } from '../hooks/useTrustedUsers.js';
import type { PublishGateLabelOverrides, PublishGateLabels } from '../labels.js';
import { useLabels } from '../PublishGateProvider.js';
import { toError } from '../store/query.js';
import { Heading } from './Heading.js';
import { LiveRegion } from './LiveRegion.js';
import { LoadFailed } from './QueryNotices.js';
import { rootClass } from './rootClass.js';
import { Time } from './Time.js';

/** A builder who can be trusted. */
export type TrustCandidate = { userId: string; email: string };

/** Props of {@link TrustedUsers}. */
export type TrustedUsersProps = {
  /** The blueprint whose trust list this is. */
  blueprintId: string;
  /** Shown in the title; default the id. */
  blueprintName?: string;
  /** Builders to list with a switch even when not trusted (e.g. everyone who works on the blueprint). */
  candidates?: readonly TrustCandidate[];
  /** Show the "trust a builder" form (user id, email, optional expiry). Default true. */
  showAddForm?: boolean;
  labels?: PublishGateLabelOverrides;
  /** Level of the title. Default 2. */
  headingLevel?: number;
  className?: string;
};

type Row = { userId: string; email: string; grant: TrustView | undefined };

/**
 * Per-blueprint trust management for admins: each builder with an auto-approve switch, who granted
 * it and when, the expiry, and a "review due" flag for grants about to expire. Builders revoked in
 * this session stay listed, switched off, so a mistaken click is one click to undo.
 *
 * @example
 * ```tsx
 * <TrustedUsers blueprintId="bp-shop" blueprintName="Shop" candidates={[{ userId: 'u-1', email: 'bob@example.com' }]} />
 * ```
 */
export function TrustedUsers({
  blueprintId,
  blueprintName,
  candidates,
  showAddForm = true,
  labels: own,
  headingLevel = 2,
  className,
}: TrustedUsersProps) {
  const labels = useLabels(own);
  const text = labels.trustedUsers;
  const ids = useId();
  const trust = useTrustedUsers({ blueprintId });
  const [seen, setSeen] = useState<ReadonlyMap<string, string>>(new Map());
  const [announcement, setAnnouncement] = useState('');

  const grants = trust.data;
  useEffect(() => {
    if (!grants) return;
    setSeen((current) => {
      const missing = grants.filter((grant) => current.get(grant.userId) !== grant.email);
      if (missing.length === 0) return current;
      const next = new Map(current);
      for (const grant of missing) next.set(grant.userId, grant.email);
      return next;
    });
  }, [grants]);

  // Until the list arrives, nobody's trust is known: a switch shown "off" then would be a guess, and
  // a click on it could revoke a grant that exists.
  const known = grants !== undefined;
  const loadingShown = !known && trust.status !== 'error';
  const rows = useMemo(() => buildRows(grants ?? [], candidates ?? [], seen), [grants, candidates, seen]);

  const setTrusted = async (row: Pick<Row, 'userId' | 'email'>, trusted: boolean, expiresAt?: string) => {
    try {
      if (trusted) await trust.grant({ userId: row.userId, email: row.email, ...(expiresAt ? { expiresAt } : {}) });
      else await trust.revoke({ userId: row.userId, email: row.email });
      setSeen((current) => new Map(current).set(row.userId, row.email));
      setAnnouncement(trusted ? text.granted(row.email) : text.revoked(row.email));
      return true;
    } catch (error) {
      setAnnouncement(`${text.saveFailed} ${labels.common.errorMessage(toError(error))}`);
      return false;
    }
  };

  return (
    <section
      className={rootClass('pg-trust', className)}
      aria-labelledby={`${ids}-title`}
      data-pg-component="trusted-users"
      data-state={trust.status === 'success' && rows.length === 0 ? 'empty' : trust.status}
    >
      <Heading level={headingLevel} id={`${ids}-title`} className="pg-title">
        {text.heading(blueprintName ?? blueprintId)}
      </Heading>
      <p className="pg-description">{text.description}</p>
      <LiveRegion message={announcement} />

      {loadingShown ? (
        <p id={`${ids}-loading`} className="pg-loading" data-pg-loading="">
          {text.loading}
        </p>
      ) : null}
      {trust.status === 'error' ? <LoadFailed failed={text.loadFailed} error={trust.error} retry={trust.refetch} labels={labels} /> : null}
      {trust.mutationError ? (
        // Announced by the live region (setTrusted); a role="alert" here would say it twice.
        <p className="pg-notice" data-pg-tone="error">
          {text.saveFailed} {labels.common.errorMessage(trust.mutationError)}
        </p>
      ) : null}
      {trust.status === 'success' && rows.length === 0 ? <p className="pg-empty">{text.empty}</p> : null}
      {rows.length > 0 ? (
        <div className="pg-table-wrap">
          <table className="pg-table" aria-labelledby={`${ids}-title`}>
            <thead>
              <tr>
                <th scope="col">{text.builder}</th>
                <th scope="col">{text.autoApprove}</th>
                <th scope="col">{text.grantedBy}</th>
                <th scope="col">{text.grantedAt}</th>
                <th scope="col">{text.expires}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <TrustRow
                  key={row.userId}
                  row={row}
                  labels={labels}
                  busy={trust.pending.has(row.userId)}
                  known={known}
                  loadingId={loadingShown ? `${ids}-loading` : undefined}
                  onToggle={(trusted) => void setTrusted(row, trusted)}
                />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {showAddForm ? <AddTrustForm labels={labels} baseId={ids} onGrant={(row, expiresAt) => setTrusted(row, true, expiresAt)} /> : null}
    </section>
  );
}

function TrustRow({
  row,
  labels,
  busy,
  known,
  loadingId,
  onToggle,
}: {
  row: Row;
  labels: PublishGateLabels;
  busy: boolean;
  /** Whether the trust list has arrived: before that the row's state is unknown and its switch disabled. */
  known: boolean;
  loadingId: string | undefined;
  onToggle: (trusted: boolean) => void;
}) {
  const text = labels.trustedUsers;
  const { grant } = row;
  const state = !known ? 'unknown' : !grant ? 'untrusted' : !grant.active ? 'expired' : grant.reviewDue ? 'review-due' : 'trusted';
  return (
    <tr data-pg-user={row.userId} data-state={state} aria-busy={busy || !known}>
      <td data-pg-field="builder">{row.email}</td>
      <td>
        <label className="pg-switch">
          <input
            type="checkbox"
            role="switch"
            checked={grant?.active === true}
            aria-checked={grant?.active === true}
            disabled={busy || !known}
            aria-describedby={loadingId}
            onChange={(event) => onToggle(event.target.checked)}
          />
          <span className="pg-sr-only">{text.toggle(row.email)}</span>
        </label>
        {state === 'review-due' ? (
          <>
            {' '}
            <span className="pg-badge" data-pg-review-due="">
              {text.reviewDue}
            </span>
          </>
        ) : null}
        {state === 'expired' ? (
          <>
            {' '}
            <span className="pg-badge" data-pg-expired="">
              {text.expired}
            </span>
          </>
        ) : null}
      </td>
      <td data-pg-field="granted-by">{grant ? grant.grantedBy.email : null}</td>
      <td data-pg-field="granted-at">{grant ? <Time iso={grant.grantedAt} labels={labels} /> : null}</td>
      <td data-pg-field="expires">{grant ? grant.expiresAt ? <Time iso={grant.expiresAt} labels={labels} /> : text.never : null}</td>
    </tr>
  );
}

function AddTrustForm({
  labels,
  baseId,
  onGrant,
}: {
  labels: PublishGateLabels;
  baseId: string;
  onGrant: (row: { userId: string; email: string }, expiresAt: string | undefined) => Promise<boolean>;
}) {
  const text = labels.trustedUsers;
  const [userId, setUserId] = useState('');
  const [email, setEmail] = useState('');
  const [expires, setExpires] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!userId.trim() || !email.trim()) return;
    setBusy(true);
    // A date input gives a day; trust lasts until the end of it (UTC).
    const ok = await onGrant({ userId: userId.trim(), email: email.trim() }, expires ? `${expires}T23:59:59.000Z` : undefined);
    setBusy(false);
    if (ok) {
      setUserId('');
      setEmail('');
      setExpires('');
    }
  };
  return (
    <form className="pg-form pg-trust-add" onSubmit={submit} aria-labelledby={`${baseId}-add`}>
      <p id={`${baseId}-add`} className="pg-section-title">
        {text.addHeading}
      </p>
      <div className="pg-field">
        <label htmlFor={`${baseId}-user`}>{text.userId}</label>
        <input id={`${baseId}-user`} className="pg-input" value={userId} required onChange={(event) => setUserId(event.target.value)} />
      </div>
      <div className="pg-field">
        <label htmlFor={`${baseId}-email`}>{text.email}</label>
        <input
          id={`${baseId}-email`}
          className="pg-input"
          type="email"
          value={email}
          required
          onChange={(event) => setEmail(event.target.value)}
        />
      </div>
      <div className="pg-field">
        <label htmlFor={`${baseId}-expires`}>{text.expiresAt}</label>
        <input
          id={`${baseId}-expires`}
          className="pg-input"
          type="date"
          value={expires}
          onChange={(event) => setExpires(event.target.value)}
        />
      </div>
      <div className="pg-actions">
        <button type="submit" className="pg-button" data-pg-variant="primary" disabled={busy}>
          {text.add}
        </button>
      </div>
    </form>
  );
}

function buildRows(grants: readonly TrustView[], candidates: readonly TrustCandidate[], seen: ReadonlyMap<string, string>): Row[] {
  const rows = new Map<string, Row>();
  for (const grant of grants) rows.set(grant.userId, { userId: grant.userId, email: grant.email, grant });
  for (const candidate of candidates) if (!rows.has(candidate.userId)) rows.set(candidate.userId, { ...candidate, grant: undefined });
  for (const [userId, email] of seen) if (!rows.has(userId)) rows.set(userId, { userId, email, grant: undefined });
  return [...rows.values()].sort((a, b) => a.email.localeCompare(b.email));
}
