import { validateSubdomain } from '@publishgate/core/client';

/** Result of {@link quickCheckSubdomain}. */
export type QuickSubdomainCheck = { ok: true; normalized: string } | { ok: false; message: string };

/**
 * The syntax rules of core's `validateSubdomain`, applied as the user types so that a malformed
 * name needs no server round trip. The reserved list is the server's to decide (it is configurable
 * there), so it is not checked here.
 */
export function quickCheckSubdomain(input: string): QuickSubdomainCheck {
  const result = validateSubdomain(input, { reserved: [] });
  return result.ok ? { ok: true, normalized: result.normalized } : { ok: false, message: result.message };
}
