import { PublishGateError } from '../../errors.js';
import type { RequestCursor } from '../../ports/storage.js';
import type { PublishRequest } from '../../schemas/domain.js';

/** The opaque queue cursor after `request`: its sort key as URL-safe base64 JSON. */
export function encodeCursor(request: PublishRequest): string {
  const raw = JSON.stringify([request.createdAt, request.id]);
  return btoa(raw).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Reads a cursor from {@link encodeCursor}; anything else is a `validation` error. */
export function decodeCursor(cursor: string): RequestCursor {
  try {
    const raw = atob(cursor.replace(/-/g, '+').replace(/_/g, '/'));
    const parsed: unknown = JSON.parse(raw);
    if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[0] === 'string' && typeof parsed[1] === 'string') {
      if (!Number.isNaN(Date.parse(parsed[0]))) return { createdAt: parsed[0], id: parsed[1] };
    }
  } catch {
    // fall through to the typed error
  }
  throw new PublishGateError('validation', 'The cursor is not one this server issued.', {
    issues: [{ path: 'cursor', message: 'invalid cursor' }],
  });
}
