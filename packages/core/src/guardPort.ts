import type * as z from 'zod';
import { type PortName, PublishGateError } from './errors.js';

/**
 * Wraps every method of an adapter so that a foreign error becomes one `port_failed`
 * PublishGateError naming the port and operation, with the original kept as `cause`.
 * Errors that already are PublishGateErrors (an adapter reporting `conflict` or
 * `nothing_to_publish`) pass through unchanged.
 *
 * `label` names one of several adapters of a port in the message (a fan-out channel).
 *
 * @internal Exported for adapter tests that check how their errors reach the gate.
 */
export function guardPort<T extends object>(port: T, name: PortName, label?: string): T {
  const wrapped: Record<string, unknown> = {};
  for (const key of methodNames(port)) {
    const method = (port as Record<string, unknown>)[key];
    if (typeof method !== 'function') continue;
    wrapped[key] = async (...args: unknown[]) => {
      try {
        return await (method as (...a: unknown[]) => unknown).apply(port, args);
      } catch (error) {
        throw toPortError(error, name, key, label);
      }
    };
  }
  return wrapped as T;
}

/**
 * Converts anything an adapter threw into a PublishGateError. `label` tells apart several adapters
 * of one port (a fan-out channel: `channel "email"`), so a log line says which one failed.
 */
export function toPortError(error: unknown, port: PortName, operation: string, label?: string): PublishGateError {
  if (PublishGateError.is(error)) return error;
  const reason = error instanceof Error ? error.message : typeof error === 'string' ? error : 'unknown error';
  // An adapter's own error may say it will never succeed (`retryable: false`); anything else may.
  const said =
    typeof error === 'object' && error !== null ? (error as { retryable?: unknown; retryAfterMs?: unknown; rateLimited?: unknown }) : {};
  const retryable = said.retryable !== false;
  // An adapter's plain error may still say how long to wait and whether it was a rate limit.
  const retryAfterMs =
    typeof said.retryAfterMs === 'number' && Number.isFinite(said.retryAfterMs) && said.retryAfterMs >= 0 ? said.retryAfterMs : undefined;
  const adapter = label ? `${port} adapter (${label})` : `${port} adapter`;
  return new PublishGateError('port_failed', `The ${adapter} failed in ${operation}: ${redact(reason)}`, {
    cause: error,
    port,
    operation,
    retryable,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    rateLimited: said.rateLimited === true,
  });
}

function methodNames(port: object): string[] {
  const names = new Set<string>();
  let current: object | null = port;
  // Adapters are object literals in this project, but a class instance from a third party works too.
  while (current && current !== Object.prototype) {
    for (const key of Object.getOwnPropertyNames(current)) if (key !== 'constructor') names.add(key);
    current = Object.getPrototypeOf(current);
  }
  return [...names];
}

// Adapter messages can quote URLs with credentials or tokens; keep them out of our message.
function redact(message: string): string {
  return message
    .replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi, '$1***@')
    .replace(/\b(gh[pousr]_[A-Za-z0-9]{4})[A-Za-z0-9]+/g, '$1***')
    .replace(/\b(github_pat_)[A-Za-z0-9_]+/g, '$1***')
    .replace(/(authorization:\s*)(bearer|token|basic)\s+\S+/gi, '$1$2 ***')
    .slice(0, 500);
}

/**
 * Adapters are third-party code: what they return is checked like any input, so a malformed diff
 * or commit id becomes a `port_failed` here instead of a corrupt request later.
 */
export function checkPortResult<S extends z.ZodType>(schema: S, value: unknown, port: PortName, operation: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const first = result.error.issues[0];
  const where = first ? ` (${first.path.join('.') || 'value'}: ${first.message})` : '';
  // An adapter answering garbage is a bug in it: repeating the call will not help.
  throw new PublishGateError('port_failed', `The ${port} adapter returned invalid data from ${operation}${where}.`, {
    port,
    operation,
    cause: result.error,
    retryable: false,
  });
}
