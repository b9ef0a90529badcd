import { deepFreeze } from './frozenCopy.js';
import type { PublishRequest } from './schemas.js';

/**
 * The form of a request the gate writes: one literal (required fields, then the optional ones that
 * are set), frozen all the way down. A literal keeps its fields inside the object and V8 freezes
 * it quickly, which a copy cannot both do (see frozenCopy).
 */
export function storedRequest(request: PublishRequest, version: number): PublishRequest {
  const stored: PublishRequest = {
    id: request.id,
    version,
    status: request.status,
    workspace: request.workspace,
    builder: request.builder,
    subdomain: request.subdomain,
    sha: request.sha,
    baseline: request.baseline,
    diff: request.diff,
    findings: request.findings,
    createdAt: request.createdAt,
    updatedAt: request.updatedAt,
  };
  if (request.note !== undefined) stored.note = request.note;
  if (request.expiresAt !== undefined) stored.expiresAt = request.expiresAt;
  if (request.decision !== undefined) stored.decision = request.decision;
  if (request.branch !== undefined) stored.branch = request.branch;
  if (request.pullRequest !== undefined) stored.pullRequest = request.pullRequest;
  if (request.error !== undefined) stored.error = request.error;
  if (request.attempts !== undefined) stored.attempts = request.attempts;
  return deepFreeze(stored);
}
