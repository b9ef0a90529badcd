import { PublishGateError } from '../../errors.js';
import { parseOrThrow } from '../../parse.js';
import { checkSubdomainInputSchema } from '../../schemas/inputs.js';
import { subdomainCandidates, validateSubdomain } from '../../subdomain.js';
import type { GateContext } from '../context.js';
import type { SubdomainCheck } from '../types.js';

/** `gate.checkSubdomain`: whether a workspace can use a subdomain, with suggestions when not. */
export async function checkSubdomain(ctx: GateContext, rawInput: unknown): Promise<SubdomainCheck> {
  const { subdomain, workspaceId } = parseOrThrow(checkSubdomainInputSchema, rawInput, 'subdomain check');
  const checked = validateSubdomain(subdomain, { reserved: ctx.policy.reserved });
  if (!checked.ok) {
    return {
      available: false,
      reason: checked.reason,
      message: checked.message,
      suggestions: await availableSuggestions(ctx, subdomainCandidates(subdomain), workspaceId),
    };
  }
  const claim = await ctx.storage.getSubdomainClaim({ subdomain: checked.normalized });
  if (claim && claim.workspaceId !== workspaceId) {
    return {
      available: false,
      reason: 'taken',
      message: `"${checked.normalized}" is already used by another workspace.`,
      suggestions: await availableSuggestions(ctx, subdomainCandidates(checked.normalized), workspaceId),
    };
  }
  return { available: true, normalized: checked.normalized };
}

/**
 * The normalized subdomain a request may ask for, or the error that says why not: a reserved name
 * is `subdomain_unavailable`, a malformed one `validation`. Who holds it is the storage's to say.
 */
export function requestableSubdomain(ctx: GateContext, subdomain: string): string {
  const checked = validateSubdomain(subdomain, { reserved: ctx.policy.reserved });
  if (checked.ok) return checked.normalized;
  if (checked.reason === 'reserved') throw new PublishGateError('subdomain_unavailable', `${checked.message}; choose another subdomain.`);
  throw new PublishGateError('validation', checked.message, { issues: [{ path: 'subdomain', message: checked.message }] });
}

async function availableSuggestions(ctx: GateContext, candidates: string[], workspaceId: string | undefined): Promise<string[]> {
  const out: string[] = [];
  for (const candidate of candidates) {
    if (out.length >= 3) break;
    const checked = validateSubdomain(candidate, { reserved: ctx.policy.reserved });
    if (!checked.ok) continue;
    const claim = await ctx.storage.getSubdomainClaim({ subdomain: checked.normalized });
    if (!claim || claim.workspaceId === workspaceId) out.push(checked.normalized);
  }
  return out;
}
