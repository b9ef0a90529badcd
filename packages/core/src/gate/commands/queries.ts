import { PublishGateError } from '../../errors.js';
import { parseOrThrow } from '../../parse.js';
import type { Actor, PublishRequest } from '../../schemas/domain.js';
import { exportHistoryInputSchema, getRequestInputSchema, historyInputSchema, listRequestsInputSchema } from '../../schemas/inputs.js';
import { type GateContext, loadVisible } from '../context.js';
import { csvHeader, csvRow } from '../format/csv.js';
import { decodeCursor, encodeCursor } from '../format/cursor.js';
import type { HistoryPage, RequestPage } from '../types.js';

const EXPORT_PAGE = 200;

/**
 * `gate.listRequests`: the queue, newest first. Admins see every request; anyone else sees their
 * own requests, every request on a workspace they own (an admin's rollback of it too), and the
 * pending requests whose approval rule names them (by id or role), so an approver who is not an
 * admin finds what they may approve. `builderId` (their own id) narrows a non-admin's view to the
 * requests they made.
 */
export async function listRequests(ctx: GateContext, rawInput: unknown): Promise<RequestPage> {
  const input = parseOrThrow(listRequestsInputSchema, rawInput, 'queue query');
  const limit = input.limit ?? 20;
  const isAdmin = input.actor.roles.includes('admin');
  if (!isAdmin && input.builderId !== undefined && input.builderId !== input.actor.id) {
    throw new PublishGateError('forbidden', 'Builders can list only their own requests.');
  }
  const builderId = isAdmin || input.builderId !== undefined ? input.builderId : undefined;
  const visibleTo = isAdmin || builderId !== undefined ? undefined : { userId: input.actor.id, roles: input.actor.roles };
  const after = input.cursor === undefined ? undefined : decodeCursor(input.cursor);
  const items = await ctx.storage.listRequests({
    filter: {
      ...(input.status === undefined ? {} : { status: Array.isArray(input.status) ? input.status : [input.status] }),
      ...(input.blueprintId === undefined ? {} : { blueprintId: input.blueprintId }),
      ...(input.workspaceId === undefined ? {} : { workspaceId: input.workspaceId }),
      ...(builderId === undefined ? {} : { builderId }),
      ...(visibleTo === undefined ? {} : { visibleTo }),
      ...(input.deliveryState === undefined ? {} : { deliveryState: [input.deliveryState].flat() }),
    },
    ...(after ? { after } : {}),
    // One more than asked says whether there is a next page.
    limit: limit + 1,
  });
  const page = items.slice(0, limit);
  const last = page.at(-1);
  return { items: page, nextCursor: items.length > limit && last ? encodeCursor(last) : null };
}

/** `gate.getRequest`: one request; `not_found` when it does not exist or the actor may not see it. */
export async function getRequest(ctx: GateContext, rawInput: unknown): Promise<PublishRequest> {
  const { id, actor } = parseOrThrow(getRequestInputSchema, rawInput, 'request id');
  return loadVisible(ctx, id, actor);
}

/** `gate.history`: audit entries, oldest first; builders see entries about themselves. */
export async function history(ctx: GateContext, rawInput: unknown): Promise<HistoryPage> {
  const { actor, requestId, workspaceId, afterSeq, limit } = parseOrThrow(historyInputSchema, rawInput, 'history query');
  const pageSize = limit ?? 100;
  const items = await ctx.storage.listAudit({
    ...historyScope(actor, requestId, workspaceId),
    afterSeq: afterSeq ?? 0,
    limit: pageSize + 1,
  });
  const page = items.slice(0, pageSize);
  const last = page.at(-1);
  return { items: page, nextAfterSeq: items.length > pageSize && last ? last.seq : null };
}

/** `gate.exportHistory`: the whole visible history as NDJSON lines or CSV rows, read page by page. */
export function exportHistory(ctx: GateContext, rawInput: unknown): AsyncIterable<string> {
  const { actor, requestId, workspaceId, format } = parseOrThrow(exportHistoryInputSchema, rawInput, 'history export');
  const scope = historyScope(actor, requestId, workspaceId);
  return (async function* () {
    if (format === 'csv') yield csvHeader();
    let afterSeq = 0;
    for (;;) {
      const items = await ctx.storage.listAudit({ ...scope, afterSeq, limit: EXPORT_PAGE });
      for (const entry of items) yield format === 'csv' ? csvRow(entry) : `${JSON.stringify(entry)}\n`;
      const last = items.at(-1);
      if (!last || items.length < EXPORT_PAGE) return;
      afterSeq = last.seq;
    }
  })();
}

function historyScope(actor: Actor, requestId: string | undefined, workspaceId: string | undefined) {
  return {
    ...(actor.roles.includes('admin') ? {} : { builderId: actor.id }),
    ...(requestId === undefined ? {} : { requestId }),
    ...(workspaceId === undefined ? {} : { workspaceId }),
  };
}
