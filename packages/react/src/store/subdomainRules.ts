/** Result of {@link quickCheckSubdomain}. */
export type QuickSubdomainCheck = { ok: true; normalized: string } | { ok: false; message: string };

/**
 * The syntax half of core's `validateSubdomain`, copied so that checking as the user types needs
 * no server round trip and does not pull core's main entry (zod, xstate) into the browser bundle.
 * The reserved list is the server's to decide (it is configurable there), so it is not checked here.
 * Keep in step with `packages/core/src/subdomain.ts`; the tests compare both on a table of inputs.
 */
export function quickCheckSubdomain(input: string): QuickSubdomainCheck {
  if (input.length < 3) return invalid('must be at least 3 characters');
  if (input.length > 63) return invalid('must be at most 63 characters');
  if (!/^[A-Za-z0-9-]+$/.test(input)) return invalid('may contain only letters a–z, digits and hyphens');
  const normalized = input.toLowerCase();
  if (normalized.startsWith('-') || normalized.endsWith('-')) return invalid('must not start or end with a hyphen');
  if (normalized.includes('--')) return invalid('must not contain two hyphens in a row');
  return { ok: true, normalized };
}

function invalid(message: string): QuickSubdomainCheck {
  return { ok: false, message: `Subdomain ${message}.` };
}
