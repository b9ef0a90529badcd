import { PublishGateError } from '../../errors.js';
import { parseOrThrow } from '../../parse.js';
import type { Actor, DeadLetter } from '../../schemas/domain.js';
import { listDeadLettersInputSchema, redeliverInputSchema } from '../../schemas/inputs.js';
import type { GateContext } from '../context.js';

/** `gate.listDeadLetters`: notifications that stopped retrying, for an admin to look at. */
export async function listDeadLetters(ctx: GateContext, rawInput: unknown): Promise<DeadLetter[]> {
  const { actor, limit } = parseOrThrow(listDeadLettersInputSchema, rawInput, 'dead letter query');
  requireAdmin(actor);
  return ctx.storage.listDeadLetters({ limit: limit ?? 100 });
}

/** `gate.redeliver`: puts a dead letter (of one channel, when given) back in the outbox with a fresh run of attempts, and delivers now. */
export async function redeliver(ctx: GateContext, rawInput: unknown): Promise<void> {
  const { id, channel, actor } = parseOrThrow(redeliverInputSchema, rawInput, 'redelivery');
  requireAdmin(actor);
  if (!(await ctx.storage.redeliverOutbox(channel === undefined ? { id } : { id, channel }))) {
    throw new PublishGateError(
      'not_found',
      channel === undefined ? `No dead letter ${id}.` : `No dead letter ${id} on channel ${channel}.`,
    );
  }
  ctx.dispatcher?.kick();
}

function requireAdmin(actor: Actor): void {
  if (!actor.roles.includes('admin')) throw new PublishGateError('forbidden', 'Dead letters are for admins.');
}
