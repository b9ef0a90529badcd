import type { DecisionResult } from '@publishgate/core/client';
import { createMutation, type Mutation } from './mutation.js';
import type { PublishGateStore } from './publishGateStore.js';

/** What one bulk decision asks: the requests, approve or reject, and the text sent with it. */
export type BulkDecisionInput = {
  /** Ids of the requests to decide, 1–100, none repeated. */
  ids: string[];
  decision: 'approve' | 'reject';
  /** Kept with each approval. */
  comment?: string;
  /** Shown to each builder whose request is rejected. */
  feedback?: string;
};

/** Approves or rejects many requests in one call; each one succeeds or fails on its own. */
export type BulkDecisions = Mutation<BulkDecisionInput, DecisionResult[]>;

/**
 * Creates the bulk decisions of a store: `client.decideMany`, then every request the server
 * decided is written into the caches at once (no optimistic guess: a bulk call answers with each
 * request as stored), and the lists are refetched, since rows may have left the filter they were in.
 */
export function createBulkDecisions(store: PublishGateStore): BulkDecisions {
  return createMutation(async (input: BulkDecisionInput) => {
    const results = await store.client.decideMany({
      ids: input.ids,
      decision: input.decision,
      ...(input.comment?.trim() ? { comment: input.comment } : {}),
      ...(input.feedback?.trim() ? { feedback: input.feedback } : {}),
    });
    const tags = ['requests'];
    for (const result of results) {
      tags.push(`request:${result.id}`);
      if (result.ok) {
        store.updateRequest(result.request);
        tags.push(`workspace:${result.request.workspace.id}`);
      }
    }
    store.invalidate(tags);
    return results;
  });
}
