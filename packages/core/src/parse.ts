import type { z } from 'zod';
import { PublishGateError } from './errors.js';

/**
 * Parses `value` with `schema`, turning zod's error into a `validation` PublishGateError that
 * names each failing field. Never echoes the offending value (it may be a secret or a payload).
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.slice(0, 20).map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }));
  const first = issues[0];
  const summary = first ? `${first.path}: ${first.message}` : 'invalid input';
  return throwValidation(`Invalid ${what}: ${summary}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}.`, issues);
}

function throwValidation(message: string, issues: { path: string; message: string }[]): never {
  throw new PublishGateError('validation', message, { issues });
}
