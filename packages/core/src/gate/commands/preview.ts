import { PublishGateError } from '../../errors.js';
import { scanFindings } from '../../findings.js';
import { checkPortResult } from '../../guardPort.js';
import { parseOrThrow } from '../../parse.js';
import { type Baseline, diffSummarySchema, type Publication } from '../../schemas/domain.js';
import { previewInputSchema } from '../../schemas/inputs.js';
import { slugifySubdomain } from '../../subdomain.js';
import type { GateContext } from '../context.js';
import type { PreviewResult } from '../types.js';

/** What a workspace's next diff is taken against: its live publication, else the blueprint. */
export function baselineOf(publication: Publication | null): Baseline {
  return publication ? { kind: 'publication', sha: publication.sha } : { kind: 'blueprint' };
}

/** `gate.preview`: the diff a builder would publish now, its findings and a suggested subdomain. */
export async function preview(ctx: GateContext, rawInput: unknown): Promise<PreviewResult> {
  const { workspace, actor } = parseOrThrow(previewInputSchema, rawInput, 'preview input');
  if (workspace.ownerId !== actor.id && !actor.roles.includes('admin')) {
    throw new PublishGateError('forbidden', 'Only the workspace owner or an admin can preview its publish.');
  }
  const publication = await ctx.storage.getPublication({ workspaceId: workspace.id });
  const baseline = baselineOf(publication);
  const [rawDiff, inFlight, latest] = await Promise.all([
    ctx.git.preview({ workspace, baseline, signal: ctx.portSignal() }),
    ctx.storage.getInFlightRequest({ workspaceId: workspace.id }),
    // A builder who was rejected should not have to retype the name they asked for.
    publication ? Promise.resolve([]) : ctx.storage.listRequests({ filter: { workspaceId: workspace.id }, limit: 1 }),
  ]);
  const diff = checkPortResult(diffSummarySchema, rawDiff, 'git', 'preview');
  const blockedBy = inFlight ? 'in_flight' : diff.files.length === 0 ? 'nothing_to_publish' : undefined;
  return {
    baseline,
    diff,
    findings: scanFindings(diff, ctx.policy.findings),
    suggestedSubdomain: publication?.subdomain ?? inFlight?.subdomain ?? latest[0]?.subdomain ?? slugifySubdomain(workspace.name),
    publishable: blockedBy === undefined,
    ...(blockedBy ? { blockedBy } : {}),
    publication,
    inFlight,
  };
}
