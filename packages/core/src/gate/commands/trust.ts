import { PublishGateError } from '../../errors.js';
import { parseOrThrow } from '../../parse.js';
import type { AuditEntryInput, Notification, TrustGrant } from '../../schemas/domain.js';
import { listTrustInputSchema, setTrustInputSchema } from '../../schemas/inputs.js';
import type { GateContext } from '../context.js';
import type { TrustView } from '../types.js';

/**
 * `gate.setTrust`: grants or revokes auto-approval for a builder on a blueprint, with an audit
 * entry and a notification to the builder written in the same storage call. Admins only, and
 * never for themselves unless self-review is allowed.
 */
export async function setTrust(ctx: GateContext, rawInput: unknown): Promise<TrustGrant | null> {
  const { blueprintId, userId, email, trusted, actor, expiresAt } = parseOrThrow(setTrustInputSchema, rawInput, 'trust change');
  if (!actor.roles.includes('admin')) throw new PublishGateError('forbidden', 'Managing trust needs the admin role.');
  if (trusted && userId === actor.id && !ctx.policy.allowSelfReview) {
    throw new PublishGateError('forbidden', 'You cannot trust yourself: your requests would skip review.');
  }
  const at = ctx.now();
  if (expiresAt !== undefined && Date.parse(expiresAt) <= Date.parse(at)) {
    throw new PublishGateError('validation', 'expiresAt must be in the future.', {
      issues: [{ path: 'expiresAt', message: 'must be in the future' }],
    });
  }
  const by = { id: actor.id, email: actor.email };
  const type = trusted ? 'trust.granted' : 'trust.revoked';
  const expiry = expiresAt ? { expiresAt } : {};
  const audit: AuditEntryInput[] = [{ id: ctx.ids(), type, at, actor: by, builderId: userId, blueprintId, data: { email, ...expiry } }];
  const outbox: Notification[] = [
    { id: ctx.ids(), type, occurredAt: at, to: { userId, email }, data: { blueprintId, grantedBy: actor.email, ...expiry } },
  ];
  if (trusted) {
    const grant: TrustGrant = { blueprintId, userId, email, grantedBy: by, grantedAt: at, ...expiry };
    const stored = await ctx.storage.putTrust({ grant, audit, outbox });
    ctx.emit(audit, { grant: stored });
    return stored;
  }
  const existing = await ctx.storage.getTrust({ blueprintId, userId });
  const removed = await ctx.storage.deleteTrust({ blueprintId, userId, audit, outbox });
  if (removed) ctx.emit(audit, existing ? { grant: existing } : {});
  return null;
}

/** `gate.listTrust`: grants with whether they still apply and whether they need a look. */
export async function listTrust(ctx: GateContext, rawInput: unknown): Promise<TrustView[]> {
  const { actor, blueprintId } = parseOrThrow(listTrustInputSchema, rawInput, 'trust query');
  const grants = await ctx.storage.listTrust(blueprintId === undefined ? {} : { blueprintId });
  const now = ctx.clock().getTime();
  const visible = actor.roles.includes('admin') ? grants : grants.filter((grant) => grant.userId === actor.id);
  return visible.map((grant) => {
    const expires = grant.expiresAt === undefined ? undefined : Date.parse(grant.expiresAt);
    return {
      ...grant,
      active: expires === undefined || expires > now,
      reviewDue: expires !== undefined && expires - now <= ctx.policy.trustReviewWindowMs,
    };
  });
}
