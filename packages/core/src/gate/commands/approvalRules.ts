import { PublishGateError } from '../../errors.js';
import { parseOrThrow } from '../../parse.js';
import { type ApprovalRule, type AuditEntryInput, DEFAULT_REQUEST_RULE } from '../../schemas/domain.js';
import { listApprovalRulesInputSchema, setApprovalRuleInputSchema } from '../../schemas/inputs.js';
import type { GateContext } from '../context.js';

/**
 * `gate.setApprovalRule`: stores a blueprint's approval rule with its audit entry
 * (`approval_rule.changed`, with the previous rule) in one storage call. Admins only. Requests
 * already submitted keep the copy they were submitted with; only later submissions use the new rule.
 */
export async function setApprovalRule(ctx: GateContext, rawInput: unknown): Promise<ApprovalRule> {
  const { blueprintId, requiredApprovals, approvers, actor } = parseOrThrow(setApprovalRuleInputSchema, rawInput, 'approval rule');
  if (!actor.roles.includes('admin')) throw new PublishGateError('forbidden', 'Setting approval rules needs the admin role.');
  const at = ctx.now();
  const by = { id: actor.id, email: actor.email };
  const rule: ApprovalRule = {
    blueprintId,
    requiredApprovals: requiredApprovals ?? DEFAULT_REQUEST_RULE.requiredApprovals,
    approvers: approvers ?? DEFAULT_REQUEST_RULE.approvers,
    updatedBy: by,
    updatedAt: at,
  };
  const previous = await ctx.storage.getApprovalRule({ blueprintId });
  const audit: AuditEntryInput[] = [
    {
      id: ctx.ids(),
      type: 'approval_rule.changed',
      at,
      actor: by,
      blueprintId,
      data: {
        requiredApprovals: rule.requiredApprovals,
        approvers: rule.approvers,
        ...(previous ? { previous: { requiredApprovals: previous.requiredApprovals, approvers: previous.approvers } } : {}),
      },
    },
  ];
  const stored = await ctx.storage.putApprovalRule({ rule, audit, outbox: [] });
  ctx.emit(audit, { rule: stored });
  return stored;
}

/** `gate.listApprovalRules`: the rules set so far, by blueprint id. Admins only. */
export async function listApprovalRules(ctx: GateContext, rawInput: unknown): Promise<ApprovalRule[]> {
  const { actor, blueprintId } = parseOrThrow(listApprovalRulesInputSchema, rawInput, 'approval rules query');
  if (!actor.roles.includes('admin')) throw new PublishGateError('forbidden', 'Listing approval rules needs the admin role.');
  return ctx.storage.listApprovalRules(blueprintId === undefined ? {} : { blueprintId });
}
